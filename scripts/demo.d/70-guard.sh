# guard: the worker died at night and supervisord gave up on it; the guard finds it and brings it back.
section "Night: the worker fails its starts until supervisord gives up on it (FATAL, its start limit); then the cause goes away"
"$repo/node_modules/.bin/tsx" "$repo/test/support/testbed/demo.ts" fatal "$dir"
atom_ops worker status

section "The sandbox profile's guard policy: what one run would do and notify (--dry-run changes nothing)"
atom_ops guard run --dry-run

section "One guard run: the worker restarted and verified through Gearman, retention applied, the change notified"
atom_ops guard run
printf '\n\033[1mWhat notify_exec received on stdin:\033[0m\n'
cat "$dir/notifications.log" 2>/dev/null || echo '(nothing)'

section "The next run: nothing changed, so nothing is notified"
atom_ops guard run

section "Its runs, as guard status shows them"
atom_ops guard status

section "Scheduling it: what guard install would write here (a systemd timer where systemd runs, else a cron entry)"
atom_ops guard install --every 5m --cron-dir "$dir" --dry-run
