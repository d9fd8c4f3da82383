# The worker service and caches. The sandbox runs its worker under a real supervisord; the sandbox
# profile (ATOM_OPS_PROFILE=sandbox) names it, so no flags are needed: systemd is detected the same way.
section "The worker service and this install's workers in Gearman"
atom_ops worker status

section "Restart it: atom-ops waits until Gearman shows the install's functions with workers again"
atom_ops worker restart --force

section "The worker's log"
atom_ops worker logs -n 5

section "What clearing the caches would do: Symfony's cache/ and memcached (cache_engine sfMemcacheCache)"
atom_ops cache clear --dry-run

section "Clear memcached for real"
atom_ops cache clear --memcached --force
