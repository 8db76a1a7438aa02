// StrataGeo — see ARCHITECTURE.md
