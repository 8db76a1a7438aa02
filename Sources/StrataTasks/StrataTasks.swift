// StrataTasks — see ARCHITECTURE.md
