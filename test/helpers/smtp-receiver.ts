import {fakeServer} from './fake-server.js'

/** One message as an SMTP server received it: the envelope and the data, dot-unstuffed. */
export interface ReceivedMail {
  from: string
  to: string[]
  data: string
}

/**
 * A mail server on a free loopback port that speaks the part of SMTP a sendmail-compatible client uses
 * (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message. The stand-in for the MTA a
 * server's sendmail hands mail to: no relaying, no TLS, no authentication.
 */
export async function startSmtpReceiver(): Promise<{port: number; mails: ReceivedMail[]; close(): Promise<void>}> {
  const mails: ReceivedMail[] = []
  const server = await fakeServer((socket) => {
    socket.setEncoding('utf8')
    let envelope: {from: string; to: string[]} | undefined
    let data: string[] | undefined
    let pending = ''
    const reply = (line: string) => socket.write(`${line}\r\n`)
    const address = (arg: string) => /<([^>]*)>/.exec(arg)?.[1] ?? ''
    const command = (line: string) => {
      const verb = line.slice(0, 4).toUpperCase()
      switch (verb) {
        case 'EHLO':
        case 'HELO': {
          reply('250 stand-in.localhost')
          break
        }

        case 'MAIL': {
          envelope = {from: address(line), to: []}
          reply('250 OK')

          break
        }

        case 'RCPT': {
          if (!envelope) return reply('503 MAIL first')
          envelope.to.push(address(line))
          reply('250 OK')

          break
        }

        case 'DATA': {
          if (!envelope || envelope.to.length === 0) return reply('503 RCPT first')
          data = []
          reply('354 End data with <CR><LF>.<CR><LF>')

          break
        }

        case 'RSET':
        case 'NOOP': {
          if (verb === 'RSET') envelope = undefined
          reply('250 OK')

          break
        }

        case 'QUIT': {
          reply('221 Bye')
          socket.end()

          break
        }

        default: {
          reply('502 Command not implemented')
        }
      }
    }

    socket.on('data', (chunk: string) => {
      pending += chunk
      for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end)
        pending = pending.slice(end + 2)
        if (!data) {
          command(line)
          continue
        }

        if (line === '.') {
          mails.push({from: envelope!.from, to: envelope!.to, data: data.join('\n')})
          envelope = undefined
          data = undefined
          reply('250 OK queued')
        } else data.push(line.startsWith('.') ? line.slice(1) : line)
      }
    })
    reply('220 stand-in.localhost ESMTP')
  })
  return {port: server.port, mails, close: server.close}
}
