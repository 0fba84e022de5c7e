// ES module entry: the same functions as the CommonJS entry.
import cjs from './index.js'

export const logout = cjs.logout
export const credentials = cjs.credentials
export const tokens = cjs.tokens
export default cjs
