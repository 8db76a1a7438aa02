// StrataModels — see ARCHITECTURE.md
