// Lighthouse CI's own assertion engine (the pinned @lhci/cli's @lhci/utils), run over the
// layer's Lighthouse reports. stdin: {"utils": DIR, "assert": {...ci.assert...}, "lhrs": [PATH...]}
// stdout: one JSON array of assertion results, passed ones included.
'use strict';
const fs = require('fs');
const path = require('path');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const {getAllAssertionResults} = require(path.join(request.utils, 'src', 'assertions.js'));
  if (request.load) {
    const {loadRcFile} = require(path.join(request.utils, 'src', 'lighthouserc.js'));
    process.stdout.write(JSON.stringify(loadRcFile(request.load)));
    return;
  }
  const lhrs = request.lhrs.map(file => JSON.parse(fs.readFileSync(file, 'utf8')));
  const options = {...request.assert, includePassedAssertions: true};
  process.stdout.write(JSON.stringify(getAllAssertionResults(options, lhrs)));
});
