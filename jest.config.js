'use strict';
/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Training tests share two cores; running files one after another keeps timings sane.
  maxWorkers: 1,
  testTimeout: 120000,
};
