// A Node `ws` echo server for the peer tests and the benchmark: listens on 127.0.0.1, port 0
// (printed as "listening node ws 127.0.0.1:<port>", the line polyport serve prints), wss when a certificate and key are given
// (argv[2], argv[3]). Echoes every message as it came (text as text); accepts the first offered
// subprotocol; prints "close <code> <reason>" when a client closes.
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
});
wss.on('connection', (ws, request) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', (code, reason) => process.stdout.write('close ' + code + ' ' + reason.toString() + '\n'));
});
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.stdout.write('listening node ' + (certFile ? 'wss' : 'ws') + ' 127.0.0.1:' + server.address().port + '\n'));
