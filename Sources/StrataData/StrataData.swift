// StrataData — see ARCHITECTURE.md
