import {chmod, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {join} from 'node:path'

/** A real HTTP server on a free loopback port recording every request; `mode` decides the answer. */
export interface Webhook {
  url: string
  requests: Array<{method: string; path: string; contentType: string | undefined; body: string}>
  mode: 'ok' | 'error' | 'hang'
  close(): Promise<void>
}

export async function startWebhook(): Promise<Webhook> {
  const hanging = new Set<ServerResponse>()
  const hook: Webhook = {url: '', requests: [], mode: 'ok', close: async () => undefined}
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => (body += d))
    req.on('end', () => {
      hook.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body,
      })
      if (hook.mode === 'hang') {
        hanging.add(res)
        return
      }

      res.writeHead(hook.mode === 'ok' ? 204 : 500).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  hook.url = `http://127.0.0.1:${(server.address() as {port: number}).port}/hooks/s3cr3t-token`
  hook.close = () =>
    new Promise<void>((r) => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      server.close(() => r())
    })
  return hook
}

/**
 * Real programs for notify_exec and notify_sendmail: shell scripts that write what they receive on
 * stdin (and, for sendmail, their arguments) to a folder, one file per call. Given a mail server's
 * port, the sendmail program then hands the mail to the real msmtp (a sendmail-compatible client,
 * Debian's `msmtp`), with the same arguments, which delivers it over SMTP on loopback.
 */
export async function writeReceivers(
  dir: string,
  smtpPort?: number,
): Promise<{exec: string; failing: string; sendmail: string; received: (prefix: string) => Promise<string[]>}> {
  await mkdir(join(dir, 'received'), {recursive: true})
  const inbox = join(dir, 'received')
  const exec = join(dir, 'page-me')
  await writeFile(exec, `#!/bin/sh\ncat > "${inbox}/exec-$(date +%s%N)-$$.json"\n`)
  const failing = join(dir, 'page-me-broken')
  await writeFile(failing, '#!/bin/sh\ncat >/dev/null\necho "pager service refused the page" >&2\nexit 3\n')
  const sendmail = join(dir, 'sendmail')
  const deliver =
    smtpPort === undefined
      ? ''
      : `exec /usr/bin/msmtp --host=127.0.0.1 --port=${smtpPort} --tls=off --auth=off --from=atom-ops@localhost "$@" < "$f.txt"\n`
  await writeFile(
    sendmail,
    `#!/bin/sh\nf="${inbox}/mail-$(date +%s%N)-$$"\necho "$@" > "$f.args"\ncat > "$f.txt"\n${deliver}`,
  )
  for (const f of [exec, failing, sendmail]) await chmod(f, 0o755)
  const received = async (prefix: string) => {
    const names = (await readdir(inbox)).filter((n) => n.startsWith(prefix) && !n.endsWith('.args')).sort()
    return Promise.all(names.map((n) => readFile(join(inbox, n), 'utf8')))
  }

  return {exec, failing, sendmail, received}
}

/** The audit log's records of one command, parsed. */
export async function auditRecords(file: string, command: string): Promise<Array<Record<string, any>>> {
  let text = ''
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return []
  }

  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((r) => r.command === command)
}
