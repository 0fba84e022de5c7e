#!/usr/bin/env node
'use strict'

// The core crate's public API as a sorted list of items and signatures, from rustdoc's
// JSON output, compared with the committed crates/registry-logout-core/public-api.txt:
// a change to the public API shows up as a diff in review, and a removal or a changed
// signature needs the version bump that CONTRIBUTING.md ("Releasing") describes. The
// full check, `cargo semver-checks`, runs in the release workflow's `crate` job and with
// `npm run semver-checks`.
//
//   node scripts/public-api.js          check; exit 1 with a diff when the API changed
//   node scripts/public-api.js --write  refresh the committed snapshot (npm run public-api)
//
// rustdoc's JSON output is unstable: RUSTC_BOOTSTRAP=1 lets the stable toolchain emit it.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const CRATE = 'registry-logout-core'
const SNAPSHOT = path.join(ROOT, 'crates', CRATE, 'public-api.txt')
const REFRESH = 'npm run public-api'

function rustdocJson (targetDir) {
  const r = spawnSync('cargo', ['rustdoc', '-q', '--locked', '-p', CRATE, '--lib',
    '--', '-Z', 'unstable-options', '--output-format', 'json'],
  { cwd: ROOT, encoding: 'utf8', env: { ...process.env, RUSTC_BOOTSTRAP: '1' }, maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`cargo rustdoc failed (exit ${r.status}):\n${r.stderr}`)
  return JSON.parse(fs.readFileSync(path.join(targetDir, 'doc', `${CRATE.replace(/-/g, '_')}.json`), 'utf8'))
}

// Without rustdoc's ids, which change from one build to the next.
const stable = (v) => JSON.stringify(v, (k, x) => (k === 'id' ? undefined : x))

// publicPaths: where each item of the crate is public (its first path from the root);
// types are named by it, so moving an item between private modules changes nothing.
function renderer (doc, publicPaths) {
  const item = (id) => doc.index[String(id)]
  const named = (p) => {
    if (p.id != null && publicPaths.has(p.id)) return publicPaths.get(p.id)
    const known = p.id != null && doc.paths[String(p.id)]
    return known && known.crate_id !== 0 ? known.path.join('::') : p.path
  }

  const args = (a) => {
    if (!a) return ''
    if (a.angle_bracketed) {
      const parts = a.angle_bracketed.args.map((g) =>
        g.type ? ty(g.type) : g.lifetime ? g.lifetime : g.const ? stable(g.const) : stable(g))
      for (const c of a.angle_bracketed.constraints) {
        parts.push(c.binding?.equality?.type ? `${c.name} = ${ty(c.binding.equality.type)}` : stable(c))
      }
      return parts.length ? `<${parts.join(', ')}>` : ''
    }
    if (a.parenthesized) {
      const out = a.parenthesized.output ? ` -> ${ty(a.parenthesized.output)}` : ''
      return `(${a.parenthesized.inputs.map(ty).join(', ')})${out}`
    }
    return stable(a)
  }
  const pathOf = (p) => `${named(p)}${args(p.args)}`
  const bound = (b) => b.trait_bound
    ? `${b.trait_bound.modifier === 'maybe' ? '?' : ''}${pathOf(b.trait_bound.trait)}`
    : b.outlives ?? stable(b)

  function ty (t) {
    if (t.resolved_path) return pathOf(t.resolved_path)
    if (t.primitive) return t.primitive
    if (t.generic) return t.generic
    if (t.borrowed_ref) {
      const r = t.borrowed_ref
      return `&${r.lifetime ? `${r.lifetime} ` : ''}${r.is_mutable ? 'mut ' : ''}${ty(r.type)}`
    }
    if (t.raw_pointer) return `*${t.raw_pointer.is_mutable ? 'mut' : 'const'} ${ty(t.raw_pointer.type)}`
    if (t.slice) return `[${ty(t.slice)}]`
    if (t.array) return `[${ty(t.array.type)}; ${t.array.len}]`
    if (t.tuple) return `(${t.tuple.map(ty).join(', ')})`
    if (t.impl_trait) return `impl ${t.impl_trait.map(bound).join(' + ')}`
    if (t.dyn_trait) return `dyn ${t.dyn_trait.traits.map((p) => pathOf(p.trait)).join(' + ')}`
    if (t.qualified_path) {
      const q = t.qualified_path
      return `<${ty(q.self_type)}${q.trait ? ` as ${pathOf(q.trait)}` : ''}>::${q.name}${args(q.args)}`
    }
    return stable(t)
  }

  const generics = (g) => {
    const params = g.params.filter((p) => !p.kind.lifetime?.is_synthetic && !p.kind.type?.is_synthetic)
      .map((p) => {
        if (p.kind.type) {
          const b = p.kind.type.bounds.map(bound).join(' + ')
          return `${p.name}${b ? `: ${b}` : ''}${p.kind.type.default ? ` = ${ty(p.kind.type.default)}` : ''}`
        }
        if (p.kind.const) return `const ${p.name}: ${ty(p.kind.const.type)}`
        return p.name
      })
    const where = g.where_predicates.map((w) => w.bound_predicate
      ? `${ty(w.bound_predicate.type)}: ${w.bound_predicate.bounds.map(bound).join(' + ')}`
      : stable(w))
    return { params: params.length ? `<${params.join(', ')}>` : '', where: where.length ? ` where ${where.join(', ')}` : '' }
  }

  function fnSig (name, f) {
    const h = f.header
    const quals = `${h.is_const ? 'const ' : ''}${h.is_async ? 'async ' : ''}${h.is_unsafe ? 'unsafe ' : ''}`
    const g = generics(f.generics)
    const inputs = f.sig.inputs.map(([n, t]) => (n === 'self' ? ty(t).replace(/^(&(?:'\w+ )?(?:mut )?)?Self$/, '$1self') : `${n}: ${ty(t)}`))
    return `${quals}fn ${name}${g.params}(${inputs.join(', ')})${f.sig.output ? ` -> ${ty(f.sig.output)}` : ''}${g.where}`
  }

  const nonExhaustive = (it) => (JSON.stringify(it.attrs).includes('non_exhaustive') ? '#[non_exhaustive] ' : '')
  return { item, ty, generics, fnSig, nonExhaustive }
}

function publicApi (doc) {
  const publicPaths = new Map()
  const { item, ty, generics, fnSig, nonExhaustive } = renderer(doc, publicPaths)
  let lines = new Set()
  let seen = new Set()

  function impls (prefix, ids) {
    for (const implId of ids) {
      const im = item(implId).inner.impl
      if (im.blanket_impl) continue
      const g = generics(im.generics)
      if (im.trait) {
        lines.add(`impl${g.params} ${im.is_negative ? '!' : ''}${ty({ resolved_path: im.trait })} for ${ty(im.for)}${g.where}`)
        continue
      }
      for (const mid of im.items) {
        const m = item(mid)
        if (m.visibility !== 'public') continue
        if (m.inner.function) lines.add(`${prefix}::${fnSig(m.name, m.inner.function)}`)
        else if (m.inner.assoc_const) lines.add(`${prefix}::const ${m.name}: ${ty(m.inner.assoc_const.type)}`)
        else lines.add(`${prefix}::${m.name} ${stable(m.inner)}`)
      }
    }
  }

  function fields (prefix, ids) {
    for (const fid of ids) {
      if (fid == null) continue
      const f = item(fid)
      if (f.visibility === 'public') lines.add(`${prefix}.${f.name}: ${ty(f.inner.struct_field)}`)
    }
  }

  function visit (modPath, id, name) {
    const it = item(id)
    if (!it || it.crate_id !== 0) {
      const p = doc.paths[String(id)]
      lines.add(`pub use ${modPath}::${name} = ${p ? p.path.join('::') : '?'}`)
      return
    }
    const here = `${modPath}::${name}`
    if (!publicPaths.has(id)) publicPaths.set(id, here.slice(2))
    const key = `${here}#${id}`
    if (seen.has(key)) return
    seen.add(key)
    const inner = it.inner
    if (inner.module) {
      lines.add(`mod ${here}`)
      for (const child of inner.module.items) {
        const c = item(child)
        if (c.visibility !== 'public') continue
        if (c.inner.use) {
          const u = c.inner.use
          if (u.is_glob) {
            const target = item(u.id)
            for (const g of target?.inner.module?.items ?? []) {
              if (item(g).visibility === 'public') visit(here, g, item(g).name)
            }
          } else if (u.id != null) visit(here, u.id, u.name)
          else lines.add(`pub use ${here}::${u.name} = ${u.source}`)
        } else visit(here, child, c.name)
      }
    } else if (inner.struct) {
      const s = inner.struct
      const g = generics(s.generics)
      const kind = s.kind === 'unit' ? ';' : s.kind.tuple ? '(..);' : ' {..}'
      lines.add(`${nonExhaustive(it)}pub struct ${here}${g.params}${g.where}${kind}` +
        (s.kind.plain?.has_stripped_fields ? ' (private fields)' : ''))
      if (s.kind.tuple) s.kind.tuple.forEach((f, i) => { if (f != null) lines.add(`${here}.${i}: ${ty(item(f).inner.struct_field)}`) })
      if (s.kind.plain) fields(here, s.kind.plain.fields)
      impls(here, s.impls)
    } else if (inner.enum) {
      const e = inner.enum
      const g = generics(e.generics)
      lines.add(`${nonExhaustive(it)}pub enum ${here}${g.params}${g.where}`)
      for (const vid of e.variants) {
        const v = item(vid)
        const vk = v.inner.variant.kind
        const vpath = `${here}::${v.name}`
        if (vk === 'plain') {
          const d = v.inner.variant.discriminant
          lines.add(`${nonExhaustive(v)}${vpath}${d ? ` = ${d.value}` : ''}`)
        } else if (vk.tuple) {
          lines.add(`${nonExhaustive(v)}${vpath}(${vk.tuple.map((f) => (f == null ? '_' : ty(item(f).inner.struct_field))).join(', ')})`)
        } else {
          lines.add(`${nonExhaustive(v)}${vpath} {..}${vk.struct.has_stripped_fields ? ' (private fields)' : ''}`)
          fields(vpath, vk.struct.fields)
        }
      }
      impls(here, e.impls)
    } else if (inner.function) {
      lines.add(`pub ${fnSig(here, inner.function)}`)
    } else if (inner.type_alias) {
      const g = generics(inner.type_alias.generics)
      lines.add(`pub type ${here}${g.params} = ${ty(inner.type_alias.type)}`)
    } else if (inner.constant) {
      lines.add(`pub const ${here}: ${ty(inner.constant.type)}`)
    } else if (inner.static) {
      lines.add(`pub static ${here}: ${ty(inner.static.type)}`)
    } else if (inner.trait) {
      const t = inner.trait
      lines.add(`pub trait ${here}${generics(t.generics).params}`)
      for (const mid of t.items) {
        const m = item(mid)
        if (m.inner.function) lines.add(`${here}::${fnSig(m.name, m.inner.function)}`)
        else lines.add(`${here}::${m.name} ${stable(m.inner)}`)
      }
      impls(here, t.implementations ?? [])
    } else {
      lines.add(`pub ${Object.keys(inner)[0]} ${here}`)
    }
  }

  // Twice: the first visit finds every item's public path, the second names types by it.
  const root = item(doc.root)
  visit('', doc.root, root.name)
  lines = new Set()
  seen = new Set()
  visit('', doc.root, root.name)
  return [...lines].map((l) => l.replace(/(^|[ (<&])::/g, '$1')).sort().join('\n') + '\n'
}

function diff (want, have) {
  const a = new Set(want.split('\n').filter(Boolean))
  const b = new Set(have.split('\n').filter(Boolean))
  return [...[...a].filter((l) => !b.has(l)).map((l) => `- ${l}`), ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`)]
}

if (require.main === module) {
  const write = process.argv.includes('--write')
  const targetDir = path.join(ROOT, 'target')
  const have = publicApi(rustdocJson(targetDir))
  const rel = path.relative(ROOT, SNAPSHOT)
  if (write) {
    fs.writeFileSync(SNAPSHOT, have)
    console.log(`wrote ${rel} (${have.split('\n').length - 1} items)`)
  } else {
    const want = fs.existsSync(SNAPSHOT) ? fs.readFileSync(SNAPSHOT, 'utf8') : ''
    const d = diff(want, have)
    if (d.length) {
      console.error(`The public API of ${CRATE} differs from ${rel} (- committed, + now):${os.EOL}` +
        d.join(os.EOL) + os.EOL +
        `If the change is intended, refresh the snapshot with \`${REFRESH}\` and commit it; a removed or` + os.EOL +
        'changed item needs a new minor version while the crate is 0.x (CONTRIBUTING.md, "Releasing").')
      process.exit(1)
    }
    console.log(`${rel}: the public API is unchanged (${have.split('\n').length - 1} items)`)
  }
}

module.exports = { publicApi, diff }
