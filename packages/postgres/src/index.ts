export * from './runner/index.js'
export * from './server/index.js'
