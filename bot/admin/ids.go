package admin

// Action ids and callback ids of the practice's set-up.
const (
	CallbackSetup = "setup.modal" // the practice set-up modal

	ActionSettingsEdit = "settings.edit"  // the settings message's "Change settings" button
	CallbackSettings   = "settings.modal" // the full practice settings modal

	ActionBillingSettingsEdit = "settings.billing.edit"  // the settings message's "Change billing settings" button
	CallbackBillingSettings   = "settings.billing.modal" // the billing settings modal

	ActionDeliverySettingsEdit = "settings.delivery.edit"  // the settings message's "Change delivery settings" button
	CallbackDeliverySettings   = "settings.delivery.modal" // the delivery settings modal

	ActionReminderSettingsEdit = "settings.reminders.edit"  // the settings message's "Change reminders" button
	CallbackReminderSettings   = "settings.reminders.modal" // the reminder settings modal
	ActionDigestSettingsEdit   = "settings.digest.edit"     // the settings message's "Change digests" button
	CallbackDigestSettings     = "settings.digest.modal"    // the digest settings modal
	ActionPortalSettingsEdit   = "settings.portal.edit"     // the settings message's "Change portal settings" button
	CallbackPortalSettings     = "settings.portal.modal"    // the portal settings modal

	ActionTeamEdit     = "team.edit."        // + member id: a team list row's "Edit" button
	CallbackTeamMember = "team.member.modal" // the team member modal
)
