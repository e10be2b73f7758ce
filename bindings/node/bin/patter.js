#!/usr/bin/env node
'use strict'
// `npx patter calls|show|cost …`: the patter command line, run by the core.
const { cliRun } = require('..')

const r = cliRun(process.argv.slice(2))
process.stdout.write(r.stdout)
process.stderr.write(r.stderr)
process.exitCode = r.code
