section "How atom-ops sees the sandbox install"
atom_ops config show

section "A typo: one line and the nearest command, never a guess that runs (exit 127)"
atom_ops jobs lisst
