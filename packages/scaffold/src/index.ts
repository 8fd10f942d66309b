export { type ScaffoldResult, scaffoldProject } from './scaffold.js'
