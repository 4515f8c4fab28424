package views

// Action ids and callback ids shared by the views and their handlers.
const (
	ActionOpenSetup = "setup.open"  // the App Home's "Set up the practice" button
	ActionHelp      = "help.show"   // the App Home's "Show commands" button
	CallbackSetup   = "setup.modal" // the practice set-up modal

	ActionSettingsEdit = "settings.edit"  // the settings message's "Change settings" button
	CallbackSettings   = "settings.modal" // the full practice settings modal

	ActionTeamEdit     = "team.edit."        // + member id: a team list row's "Edit" button
	CallbackTeamMember = "team.member.modal" // the team member modal

	// ActionTaskOpen opens a month's task (its value is the task id) in a
	// modal with its checklist: from /tasks, the calendar, the board and
	// overdue alerts alike.
	ActionTaskOpen = "task.open"
)
