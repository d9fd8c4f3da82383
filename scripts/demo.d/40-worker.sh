# Worker service and caches. The sandbox runs its workers under a real supervisord (src/testbed/supervisord.ts);
# demo.js exports its config file as ATOM_OPS_DEMO_SUPERVISOR_CONF.
if [ -n "${ATOM_OPS_DEMO_SUPERVISOR_CONF:-}" ]; then
  section "The worker service (supervisord here; systemd is detected the same way) and this install's workers in Gearman"
  atom_ops worker status --manager supervisor --supervisor-config "$ATOM_OPS_DEMO_SUPERVISOR_CONF"

  section "Restart it: atom-ops waits until Gearman shows the install's functions with workers again"
  atom_ops worker restart --manager supervisor --supervisor-config "$ATOM_OPS_DEMO_SUPERVISOR_CONF" --force
else
  section "Worker service"
  echo "(skipped: ATOM_OPS_DEMO_SUPERVISOR_CONF is not set, the sandbox runs no supervisord)"
fi

section "What clearing Symfony's cache would remove (dry run)"
atom_ops cache clear --symfony --dry-run
