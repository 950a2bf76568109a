'use strict';
// Running a command to completion.

const {spawn} = require('node:child_process');

// Runs `program args...` and resolves with {code, signal, stdout, stderr}; kills it after
// `timeoutMs`. Never rejects for a non-zero exit: callers decide what failure means.
function run(program, args, {env = process.env, timeoutMs = 60_000} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${program}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({code, signal, stdout, stderr});
    });
  });
}

module.exports = {run};
