// A Node `ws` echo server for the peer tests and the benchmark: listens on 127.0.0.1, port 0
// (printed as "listening node ws 127.0.0.1:<port>", the line polyport serve prints), wss when a certificate and key are given
// (argv[2], argv[3]). Echoes every message as it came (text as text); accepts the first offered
// subprotocol; prints "connection <extensions or ->" for each client and "close <code> <reason>"
// when one closes. With WS_DEFLATE=1 in the environment it accepts permessage-deflate (off by
// default in Node's server) and compresses every message it sends.
const fs = require('fs');
const http = require('http');
const https = require('https');
const WebSocket = require('ws');

const [certFile, keyFile] = process.argv.slice(2);
const server = certFile
  ? https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) })
  : http.createServer();
const wss = new WebSocket.Server({
  server,
  handleProtocols: (protocols) => (protocols.size > 0 ? protocols.values().next().value : false),
  perMessageDeflate: process.env.WS_DEFLATE === '1' ? { threshold: 0 } : false,
});
wss.on('connection', (ws, request) => {
  process.stdout.write('connection ' + (ws.extensions || '-') + '\n');
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', (code, reason) => process.stdout.write('close ' + code + ' ' + reason.toString() + '\n'));
});
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.stdout.write('listening node ' + (certFile ? 'wss' : 'ws') + ' 127.0.0.1:' + server.address().port + '\n'));
