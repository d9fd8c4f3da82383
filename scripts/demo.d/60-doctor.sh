# doctor: what it finds on the sandbox as it is, then on a sandbox broken on purpose.
section "doctor on the sandbox as it is"
atom_ops doctor

section "The same as a Nagios/Icinga check"
atom_ops doctor --nagios

section "Break it: stop the worker service and start a worker from the symlinked root (a wrong prefix)"
"$repo/node_modules/.bin/tsx" "$repo/test/support/testbed/demo.ts" break "$dir"
atom_ops doctor

section "Let doctor apply the safe fixes, then check again"
atom_ops doctor --fix --force
"$repo/node_modules/.bin/tsx" "$repo/test/support/testbed/demo.ts" repair "$dir"
