'use strict'
// The harness's entry for the Node runner; the runner lives with the Node tests.
require('../../node/conformance_runner.js')
