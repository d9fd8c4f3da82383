# jobs stats: the sandbox's history per job class, and which class piles up.
section "45 days of history: a steady mix of finished jobs, and search index updates growing week by week"
"$repo/node_modules/.bin/tsx" "$repo/test/support/testbed/demo.ts" history "$dir"
atom_ops jobs stats --since 30d

section "The same by week, over 60 days"
atom_ops jobs stats --since 60d --by week
