// A Node `ws` client for the peer tests: connects to URL (argv[2]), optionally with a subprotocol
// (argv[3], "-" for none) and a CA file for wss (argv[4]); then, per line on stdin:
//   text <msg> | binary <msg> | big <n> (a text of n "a"s) | ping <payload> | close <code> <reason>
//   | extensions (prints the negotiated extensions)
// and prints what it receives, one line each:
//   open <protocol> | text <msg> | binary <msg> | pong <payload> | close <code> <reason> | error <message>
// (a message over 200 bytes prints as "text <n> bytes" or "binary <n> bytes").
const fs = require('fs');
const readline = require('readline');
const WebSocket = require('ws');

const [url, protocol, caFile] = process.argv.slice(2);
const options = {};
if (caFile) {
  options.ca = fs.readFileSync(caFile);
}
const ws = protocol && protocol !== '-' ? new WebSocket(url, protocol, options) : new WebSocket(url, options);
const say = (line) => process.stdout.write(line + '\n');

ws.on('open', () => {
  say('open ' + (ws.protocol || '-'));
  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const [verb, ...rest] = line.split(' ');
    const arg = rest.join(' ');
    if (verb === 'text') ws.send(arg);
    else if (verb === 'binary') ws.send(Buffer.from(arg), { binary: true });
    else if (verb === 'big') ws.send('a'.repeat(Number(arg)));
    else if (verb === 'extensions') say('extensions ' + (ws.extensions || '-'));
    else if (verb === 'ping') ws.ping(arg);
    else if (verb === 'close') ws.close(Number(rest[0]), rest.slice(1).join(' '));
  });
});
ws.on('message', (data, isBinary) =>
  say((isBinary ? 'binary ' : 'text ') + (data.length > 200 ? data.length + ' bytes' : data.toString())));
ws.on('pong', (data) => say('pong ' + data.toString()));
ws.on('close', (code, reason) => {
  say('close ' + code + ' ' + reason.toString());
  process.exit(0);
});
ws.on('error', (error) => {
  say('error ' + error.message);
  process.exit(1);
});
