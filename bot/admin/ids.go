package admin

// Action ids and callback ids of the practice's set-up.
const (
	CallbackSetup = "setup.modal" // the practice set-up modal

	ActionSettingsEdit = "settings.edit"  // the settings message's "Change settings" button
	CallbackSettings   = "settings.modal" // the full practice settings modal

	ActionTeamEdit     = "team.edit."        // + member id: a team list row's "Edit" button
	CallbackTeamMember = "team.member.modal" // the team member modal
)
