// Three projects, chosen by file suffix:
//   *.spec.ts      unit tests (may stub doors; no servers)
//   *.int.spec.ts  integration tests against the real local stack (scripts/stack up)
//   *.e2e.spec.ts  end-to-end tests: the four services as processes over real Kafka
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  moduleNameMapper: { '^@dataops/(.*)$': '<rootDir>/libs/$1/src' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.dataops/'],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testRegex: '(?<!\\.int|\\.e2e)\\.spec\\.ts$' },
    { ...common, displayName: 'integration', testRegex: '\\.int\\.spec\\.ts$', testTimeout: 300000 },
    { ...common, displayName: 'e2e', testRegex: '\\.e2e\\.spec\\.ts$', testTimeout: 900000 },
  ],
};
