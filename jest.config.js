'use strict';
/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // test/gpu/ runs with node's own test runner on GPU machines (scripts/gpu-check.sh).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/gpu/'],
  // Training tests share two cores; running files one after another keeps timings sane.
  maxWorkers: 1,
  testTimeout: 120000,
};
