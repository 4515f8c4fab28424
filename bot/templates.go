package bot

// registerTemplates adds template management (/atlas templates) and client
// assignments (/atlas assign).
func registerTemplates(rt *Router) {}
