const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }]

export default {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  roots: ['<rootDir>'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  extensionsToTreatAsEsm: ['.ts'],
  setupFiles: ['<rootDir>/chain/polyfills.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure)/)'],
  transform: {
    '^.+\\.ts$': swc,
    '/node_modules/(@noble|@scure)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  testTimeout: 60000,
}
