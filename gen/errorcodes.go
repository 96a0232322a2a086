package atlas

// The errorCode values Atlas documents for this operation, for HasErrorCode.
// Atlas may send others; an *Error carries whatever code came.
const (
	// CodeMaintenanceNotScheduled (400): the project has no scheduled maintenance to defer.
	CodeMaintenanceNotScheduled = "ATLAS_MAINTENANCE_NOT_SCHEDULED"
	// CodeDeferralsExceeded (400): the scheduled maintenance was already deferred twice, the most allowed.
	CodeDeferralsExceeded = "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED"
	// CodeMaintenanceAlreadyScheduled (400): maintenance is already scheduled and cannot be changed now.
	CodeMaintenanceAlreadyScheduled = "ATLAS_MAINTENANCE_ALREADY_SCHEDULED"
	// CodeMaintenanceWindowNotDefined (400): the project has no maintenance window.
	CodeMaintenanceWindowNotDefined = "ATLAS_MAINTENANCE_WINDOW_NOT_DEFINED"
	// CodeResourceNotFound (404): a documented code for a resource that does
	// not exist.
	CodeResourceNotFound = "RESOURCE_NOT_FOUND"
	// CodeGroupNotFound (404): the groupId is well-formed but names no
	// project, real Atlas's answer in the Atlas CLI's snapshots
	// (contract/testdata/atlascli/interactive-setupfailure.yaml).
	CodeGroupNotFound = "GROUP_NOT_FOUND"
	// CodeInvalidGroupID (404): the groupId is malformed.
	CodeInvalidGroupID = "INVALID_GROUP_ID"
	// CodeRateLimited (429): too many requests; wait as Retry-After says.
	CodeRateLimited = "RATE_LIMITED"
	// CodeRateLimitedTokenBucket (429): the request rate's token bucket is empty; wait as Retry-After says.
	CodeRateLimitedTokenBucket = "RATE_LIMITED_TOKEN_BUCKET"
	// CodeInvalidVersionDate (406): the Accept header names no API version, or one before the operation's first.
	CodeInvalidVersionDate = "INVALID_VERSION_DATE"
	// CodeVersionGone (410): the API version the Accept header names is retired.
	CodeVersionGone = "VERSION_GONE"
)
