import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {secondsFlag} from '../../cli/flags.js'
import {validateInterval, watchQueue, type WatchSnapshot} from '../../lib/queue/watch.js'
import {scrub} from '../../lib/util/secrets.js'
import {LiveScreen} from '../../ui/live-screen.js'
import {renderWatch} from '../../ui/queue.js'

export default class QueueWatch extends BaseCommand<typeof QueueWatch> {
  static summary = 'Live, top-like view of every job server: functions by waiting jobs, changes highlighted.'
  static description = `Refreshes every --interval seconds (each round bounded by --timeout). On a terminal it takes over the screen, highlights values that changed since the last refresh, and quits on q or Ctrl-C, restoring the terminal. When stdout is not a terminal it prints one snapshot per interval (one JSON object per line with --json), for logs and scripts; --count stops after N snapshots.

${exitCodesHelp('queue:watch')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all --interval 5',
    '<%= config.bin %> <%= command.id %> --count 3 --json > queue.jsonl',
  ]
  static flags = {
    all: Flags.boolean({summary: 'Show the functions of every install, not only this one.'}),
    interval: secondsFlag(validateInterval)({summary: 'Seconds between refreshes (0.2 to 3600).', default: 2}),
    count: Flags.integer({min: 1, max: 1_000_000, summary: 'Stop after this many snapshots.'}),
  }

  async run(): Promise<void> {
    const cfg = await this.settings()
    const {interval} = this.flags
    const json = this.jsonEnabled()
    const tty = this.io.stdoutIsTTY && !json
    const screen = new LiveScreen(this.interrupted)
    let last: WatchSnapshot | undefined
    screen.start(tty)
    try {
      await watchQueue(cfg, {
        all: this.flags.all,
        intervalSeconds: interval,
        count: this.flags.count,
        signal: screen.signal,
        onSnapshot: (s) => {
          last = s
          if (json) process.stdout.write(scrub(JSON.stringify(s)) + '\n')
          else if (tty)
            screen.draw(
              scrub(
                renderWatch(
                  s,
                  {...this.view(), width: screen.size.columns},
                  {live: true, rows: screen.size.rows, interval},
                ),
              ),
            )
          else process.stdout.write(scrub(renderWatch(s, this.view(), {live: false, interval})) + '\n\n')
        },
      })
    } finally {
      screen.stop()
    }

    if (last) this.setExitCode(last.exitCode)
  }
}
