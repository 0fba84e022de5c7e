#!/usr/bin/env node
'use strict'

// An interleaved A/B of two native `registry-logout` binaries, say this checkout's and
// a previous commit's (build one in a worktree: `cargo build --release -p
// registry-logout-cli`), against one local registry:
//
//   node benches/native-ab.js A_BIN B_BIN [--rounds=80] [--keep-lines]
//
// Each round writes a fresh .npmrc and runs each binary once, in alternating order;
// the figure is the median of the per-round differences (B − A), so a slow spell of
// the machine lands on both sides. `--keep-lines` puts two more lines in the file, so
// that it is rewritten rather than deleted. Each run must exit 0 and leave no token.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startRegistry } = require('../__test__/helpers/registry.js')

const args = process.argv.slice(2)
const bins = args.filter((a) => !a.startsWith('--'))
const rounds = Number((args.find((a) => a.startsWith('--rounds=')) || '--rounds=80').slice(9))
const keepLines = args.includes('--keep-lines')
if (bins.length !== 2 || !(rounds > 0)) {
  console.error('usage: node benches/native-ab.js A_BIN B_BIN [--rounds=N] [--keep-lines]')
  process.exit(2)
}

function timed (bin, argv, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(bin, argv, { env, stdio: 'ignore' })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, ms: Number(process.hrtime.bigint() - t0) / 1e6 }))
  })
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

async function main () {
  const registry = await startRegistry({})
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-ab-'))
  const userconfig = path.join(dir, '.npmrc')
  const env = { PATH: process.env.PATH, HOME: dir, npm_config_userconfig: userconfig, npm_config_globalconfig: path.join(dir, 'none') }
  const times = [[], []]
  const warmup = 3
  try {
    for (let round = 0; round < rounds + warmup; round++) {
      for (const which of round % 2 ? [0, 1] : [1, 0]) {
        const token = `npm_abBench${round}x${which}`
        const line = `//${registry.host}/:_authToken=${token}\n`
        fs.writeFileSync(userconfig, keepLines ? `registry=${registry.url}\n${line}fund=false\n` : line)
        const { status, ms } = await timed(bins[which], ['--registry', registry.url], env)
        if (status !== 0) throw new Error(`${bins[which]} exited ${status}`)
        if (fs.existsSync(userconfig) && fs.readFileSync(userconfig, 'utf8').includes(token)) {
          throw new Error(`${bins[which]} left the token`)
        }
        if (round >= warmup) times[which].push(ms)
      }
    }
  } finally {
    registry.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const diff = median(times[1].map((b, i) => b - times[0][i]))
  console.log(`A ${median(times[0]).toFixed(2)} ms, B ${median(times[1]).toFixed(2)} ms, ` +
    `B − A ${diff >= 0 ? '+' : ''}${diff.toFixed(2)} ms (median of ${rounds} per-round differences; ` +
    `${keepLines ? 'file rewritten' : 'file deleted'}; load ${os.loadavg()[0].toFixed(2)})`)
}

main().catch((err) => { console.error(err.message); process.exit(1) })
