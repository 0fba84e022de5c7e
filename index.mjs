// ES module entry: the same function as the CommonJS entry.
import cjs from './index.js'

export const logout = cjs.logout
export default cjs
