package bot

// registerBoard adds /board and the App Home calendar's controls.
func registerBoard(rt *Router) {}
