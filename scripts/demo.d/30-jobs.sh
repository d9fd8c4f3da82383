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
