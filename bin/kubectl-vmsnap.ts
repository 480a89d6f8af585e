#!/usr/bin/env node
// The kubectl plugin: installed as `kubectl-vmsnap` (package.json "bin"), so `kubectl vmsnap tree VM` finds it
// on PATH.
import { kubectlVmsnapMain } from '../src/cli/kubectl-vmsnap.ts';

process.exitCode = await kubectlVmsnapMain(process.argv.slice(2));
