#!/usr/bin/env node
/**
 * The `aril` command: hands the process's arguments to {@link runCli} and exits with its code.
 */
import { runCli } from './run.js'

process.exitCode = await runCli(process.argv.slice(2))
