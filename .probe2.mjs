import net from 'node:net'
import {readFileSync} from 'node:fs'
const T = readFileSync('/tmp/h11/lake/token', 'utf8').trim()
const port = 39411, N = Number(process.argv[2] ?? 100), anon = process.argv[3] === 'anon'
const pid = Number(readFileSync('/tmp/h11/lake.pid','utf8'))
const rss = () => { const s = readFileSync(`/proc/${pid}/status`,'utf8'); return ['VmRSS','VmSize'].map(k => s.match(new RegExp(k+':\\s+(\\d+)'))[1]/1024|0).join('/') }
async function ping() { const t = performance.now(); const r = await fetch(`http://127.0.0.1:${port}/v2025-03-01/ping`); await r.text(); return Math.round(performance.now() - t) + 'ms ' + r.status }
console.log('before', rss(), await ping())
const socks = []
let answered = 0
for (let i = 0; i < N; i++) {
  const s = net.connect(port, '127.0.0.1')
  s.on('error', () => {})
  s.on('data', (d) => { answered++; if (answered < 3) console.log('answer', String(d).split('\r\n')[0]) })
  s.write(`POST /v2025-02-19/data/mutate/test HTTP/1.1\r\nHost: x\r\n${anon ? '' : `Authorization: Bearer ${T}\r\n`}Content-Type: application/json\r\nContent-Length: 41000000\r\n\r\n{"mu`)
  socks.push(s)
}
await new Promise(r => setTimeout(r, 3000))
console.log('held', N, rss(), await ping(), await ping(), 'answered', answered)
for (const s of socks) s.destroy()
await new Promise(r => setTimeout(r, 1000))
console.log('after', rss(), await ping())
