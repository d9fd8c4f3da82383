# Job rows: history, stalled-job detection, killing a zombie, a safe clear.
section "Job history (the table; --json and --csv for scripts)"
atom_ops jobs list
atom_ops jobs list --status completed --status error --sort -duration --limit 5

section "Stalled jobs: MySQL says in progress, Gearman says whether anything is behind them"
atom_ops jobs stalled

# The zombie: an in-progress row with nothing queued or running for it in Gearman.
# (jobs stalled exits 1 when it finds one: that is its answer, not a failure of the demo)
zombie=$( (node "$repo/bin/run.js" jobs stalled --json 2>/dev/null || true) |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const z=JSON.parse(s).stalled.find(j=>j.state==="zombie");if(z)console.log(z.id)}catch{}})')
if [ -n "$zombie" ]; then
  section "Kill the zombie: marked failed with a note saying why (history kept)"
  atom_ops jobs show "$zombie"
  atom_ops jobs kill "$zombie" --force --reason "demo: worker died mid-job"
  atom_ops jobs stalled
fi

section "AtoM's CSV history export (streamed)"
atom_ops jobs export --status completed

section "Clear inactive jobs: the preview only"
atom_ops jobs clear --inactive --dry-run

section "Ctrl-C in the middle of a clear: it stops after the current batch, says how far it got (exit 6)"
# Small batches with a pause (hidden test flags) so there is a middle to interrupt.
printf '\n\033[1m$ atom-ops jobs clear --inactive --force --backup %s   # then Ctrl-C\033[0m\n' "$dir/demo-clear-1.ndjson"
node "$repo/bin/run.js" jobs clear --inactive --force --backup "$dir/demo-clear-1.ndjson" --batch-size 1 --batch-pause 1000 &
clear_pid=$!
# Once its backup is on disk it is deleting: interrupt it a batch or two later.
for _ in $(seq 1 100); do [ -f "$dir/demo-clear-1.ndjson" ] && break; sleep 0.1; done
sleep 1.5
kill -INT "$clear_pid" 2>/dev/null || true
rc=0; wait "$clear_pid" || rc=$?
printf '(exit code %s)\n' "$rc"

section "Running it again finishes; the first backup holds every job of the first run, and restore puts them back"
atom_ops jobs clear --inactive --force --backup "$dir/demo-clear-2.ndjson"
atom_ops jobs restore "$dir/demo-clear-1.ndjson"
