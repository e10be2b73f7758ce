#!/usr/bin/env node
'use strict'
// `npx patter calls|show|cost|dashboard …`: the patter command line, run by the core (it writes
// to stdout/stderr itself; `dashboard` serves until Ctrl-C).
const { cliMain } = require('..')

process.exitCode = cliMain(process.argv.slice(2))
