"""Graph JSON for generated objects: every property a list returns, and the default set when no $select.

Property names and JSON types follow the documented examples in research/graph-examples/ (the shape
test compares them). `FULL[...]` builds the whole selectable object; `DEFAULT[...]` names what comes back
without `$select` (None = everything).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from m365exit.simulator.tenant import (
    BookingBusiness,
    CaPolicy,
    Channel,
    Device,
    Domain,
    EdiscoveryCase,
    Group,
    ManagedDevice,
    Plan,
    Room,
    SensitivityLabel,
    ServicePrincipal,
    Site,
    Sku,
    Team,
    TeamsApp,
    Tenant,
    User,
)

Json = dict[str, Any]

USER_DEFAULT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)


def user(t: Tenant, u: User) -> Json:
    synced = u.synced
    guest = u.user_type == "Guest"
    local = u.upn.split("@", 1)[0]
    return {
        "businessPhones": [u.phone] if u.phone else [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": None,
        "officeLocation": u.city,
        "preferredLanguage": "fr-FR" if u.kind == "person" else None,
        "surname": u.surname,
        "userPrincipalName": u.upn,
        "id": u.id,
        "accountEnabled": u.account_enabled,
        "ageGroup": None,
        "assignedLicenses": [{"disabledPlans": [], "skuId": s} for s in u.licenses],
        "city": u.city,
        "companyName": None if guest else t.display_name,
        "country": "France" if u.kind == "person" else None,
        "createdDateTime": u.created,
        "creationType": "Invitation" if guest else None,
        "deletedDateTime": None,
        "department": u.department,
        "employeeId": None,
        "externalUserState": "Accepted" if guest else None,
        "externalUserStateChangeDateTime": u.created if guest else None,
        "faxNumber": None,
        "identities": [
            {"signInType": "userPrincipalName", "issuer": t.initial_domain, "issuerAssignedId": u.upn}
        ],
        "imAddresses": [u.mail] if u.mail and not guest else [],
        "isResourceAccount": None,
        "lastPasswordChangeDateTime": u.created,
        "mailNickname": local.split("#", 1)[0],
        "onPremisesDistinguishedName": f"CN={u.display_name},OU=Agents,DC=ad,DC=example,DC=fr"
        if synced
        else None,
        "onPremisesDomainName": "ad.example.fr" if synced else None,
        "onPremisesImmutableId": base64.b64encode(u.id.encode()[:16]).decode() if synced else None,
        "onPremisesLastSyncDateTime": f"{t.reference_date.isoformat()}T05:30:00Z" if synced else None,
        "onPremisesSamAccountName": local[:20] if synced else None,
        "onPremisesSecurityIdentifier": f"S-1-5-21-1004336348-1177238915-{int(u.id[:5], 16) % 90000 + 1000}"
        if synced
        else None,
        "onPremisesSyncEnabled": True if synced else None,
        "onPremisesUserPrincipalName": u.upn if synced else None,
        "otherMails": [],
        "passwordPolicies": "DisablePasswordExpiration" if synced else None,
        "postalCode": None,
        "proxyAddresses": [f"SMTP:{u.mail}"] if u.mail and not guest else [],
        "showInAddressList": None,
        "state": None,
        "streetAddress": None,
        "usageLocation": "FR" if u.licenses or u.kind == "person" else None,
        "userType": u.user_type,
        "employeeHireDate": None,
        "employeeType": None,
        "signInActivity": {
            "lastSignInDateTime": u.last_sign_in,
            "lastSignInRequestId": "00000000-0000-0000-0000-000000000000" if u.last_sign_in else None,
            "lastNonInteractiveSignInDateTime": u.last_sign_in,
            "lastNonInteractiveSignInRequestId": "00000000-0000-0000-0000-000000000000"
            if u.last_sign_in
            else None,
            "lastSuccessfulSignInDateTime": u.last_sign_in,
            "lastSuccessfulSignInRequestId": "00000000-0000-0000-0000-000000000000"
            if u.last_sign_in
            else None,
        },
    }


def group(t: Tenant, g: Group) -> Json:
    mail = f"{g.mail_nickname}@{t.default_domain}" if g.mail_enabled else None
    return {
        "id": g.id,
        "deletedDateTime": None,
        "classification": None,
        "createdDateTime": g.created,
        "creationOptions": ["Team", "ExchangeProvisioningFlags:3552"] if g.is_team else [],
        "description": g.description or None,
        "displayName": g.display_name,
        "expirationDateTime": None,
        "groupTypes": list(g.group_types),
        "isAssignableToRole": None,
        "mail": mail,
        "mailEnabled": g.mail_enabled,
        "mailNickname": g.mail_nickname,
        "membershipRule": g.membership_rule,
        "membershipRuleProcessingState": "On" if g.membership_rule else None,
        "onPremisesDomainName": "ad.example.fr" if g.synced else None,
        "onPremisesLastSyncDateTime": f"{t.reference_date.isoformat()}T05:30:00Z" if g.synced else None,
        "onPremisesNetBiosName": "AD" if g.synced else None,
        "onPremisesSamAccountName": g.mail_nickname[:20] if g.synced else None,
        "onPremisesSecurityIdentifier": "S-1-5-21-1004336348-1177238915-682003330-5120" if g.synced else None,
        "onPremisesSyncEnabled": True if g.synced else None,
        "preferredDataLocation": None,
        "preferredLanguage": None,
        "proxyAddresses": [f"SMTP:{mail}", f"smtp:{g.mail_nickname}@{t.initial_domain}"] if mail else [],
        "renewedDateTime": g.created,
        "resourceBehaviorOptions": [],
        "resourceProvisioningOptions": ["Team"] if g.is_team else [],
        "securityEnabled": g.security_enabled,
        "securityIdentifier": "S-1-12-1-"
        + "-".join(str(int(p, 16) % 4294967295) for p in g.id.split("-")[:4]),
        "theme": None,
        "visibility": g.visibility,
        "onPremisesProvisioningErrors": [],
        "serviceProvisioningErrors": [],
    }


def service_principal(t: Tenant, s: ServicePrincipal) -> Json:
    return {
        "id": s.id,
        "deletedDateTime": None,
        "accountEnabled": s.account_enabled,
        "alternativeNames": [],
        "appDisplayName": s.display_name,
        "appDescription": None,
        "appId": s.app_id,
        "applicationTemplateId": None,
        "appOwnerOrganizationId": s.owner_org,
        "appRoleAssignmentRequired": s.sso_mode in ("saml", "oidc"),
        "createdDateTime": s.created,
        "description": None,
        "disabledByMicrosoftStatus": None,
        "displayName": s.display_name,
        "homepage": None,
        "loginUrl": None,
        "logoutUrl": None,
        "notes": None,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": s.sso_mode,
        "preferredTokenSigningKeyThumbprint": None,
        "replyUrls": [],
        "servicePrincipalNames": [s.app_id],
        "servicePrincipalType": s.sp_type,
        "signInAudience": "AzureADMyOrg" if s.owner_org == t.tenant_id else "AzureADMultipleOrgs",
        "tags": list(s.tags),
        "tokenEncryptionKeyId": None,
        "samlSingleSignOnSettings": {"relayState": None} if s.sso_mode == "saml" else None,
        "addIns": [],
        "appRoles": [],
        "info": {
            "termsOfServiceUrl": None,
            "supportUrl": None,
            "privacyStatementUrl": None,
            "marketingUrl": None,
            "logoUrl": None,
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
        "publisherName": s.publisher,
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
    }


def ca_policy(t: Tenant, p: CaPolicy) -> Json:
    return {
        "id": p.id,
        "templateId": None,
        "displayName": p.display_name,
        "createdDateTime": p.created,
        "modifiedDateTime": None,
        "state": p.state,
        "sessionControls": None,
        "conditions": {
            "userRiskLevels": [],
            "signInRiskLevels": ["high"] if "Risque" in p.display_name else [],
            "clientAppTypes": ["all"],
            "platforms": None,
            "locations": None,
            "applications": {
                "includeApplications": ["All"],
                "excludeApplications": [],
                "includeUserActions": [],
            },
            "users": {
                "includeUsers": ["All"],
                "excludeUsers": [],
                "includeGroups": [],
                "excludeGroups": [],
                "includeRoles": [],
                "excludeRoles": [],
            },
        },
        "grantControls": {
            "operator": "OR",
            "builtInControls": list(p.controls),
            "customAuthenticationFactors": [],
            "termsOfUse": [],
        }
        if p.controls
        else None,
    }


def domain(t: Tenant, d: Domain) -> Json:
    return {
        "authenticationType": d.authentication_type,
        "availabilityStatus": None,
        "isAdminManaged": True,
        "isDefault": d.default,
        "isInitial": d.initial,
        "isRoot": True,
        "isVerified": d.verified,
        "id": d.id,
        "passwordNotificationWindowInDays": None,
        "passwordValidityPeriodInDays": None,
        "supportedServices": list(d.services),
        "state": None,
    }


def device(t: Tenant, d: Device) -> Json:
    return {
        "id": d.id,
        "accountEnabled": d.account_enabled,
        "approximateLastSignInDateTime": d.last_sign_in,
        "deviceId": d.device_id,
        "deviceOwnership": "Company",
        "displayName": d.display_name,
        "isCompliant": True if d.trust_type != "ServerAd" else None,
        "isManaged": d.trust_type != "ServerAd",
        "manufacturer": None,
        "model": None,
        "operatingSystem": d.os,
        "operatingSystemVersion": d.os_version,
        "profileType": "RegisteredDevice",
        "trustType": d.trust_type,
        "registrationDateTime": d.last_sign_in,
    }


def managed_device(t: Tenant, d: ManagedDevice) -> Json:
    return {
        "id": d.id,
        "userId": d.user_id,
        "deviceName": d.device_name,
        "managedDeviceOwnerType": d.owner_type,
        "deviceActionResults": [],
        "enrolledDateTime": d.enrolled,
        "lastSyncDateTime": d.last_sync,
        "operatingSystem": d.os,
        "complianceState": d.compliance,
        "jailBroken": "False" if d.os in ("iOS", "iPadOS", "Android") else "Unknown",
        "managementAgent": d.management_agent,
        "osVersion": d.os_version,
        "easActivated": d.os in ("iOS", "iPadOS", "Android"),
        "easDeviceId": "",
        "easActivationDateTime": "0001-01-01T00:00:00Z",
        "azureADRegistered": True,
        "deviceEnrollmentType": "windowsAzureADJoin"
        if d.os == "Windows"
        else ("appleBulkWithUser" if d.os in ("macOS", "iOS", "iPadOS") else "androidEnterpriseFullyManaged"),
        "activationLockBypassCode": None,
        "emailAddress": d.upn,
        "azureADDeviceId": d.azure_ad_device_id,
        "deviceRegistrationState": "registered",
        "deviceCategoryDisplayName": "Unknown",
        "isSupervised": d.os in ("iOS", "iPadOS"),
        "exchangeLastSuccessfulSyncDateTime": "0001-01-01T00:00:00Z",
        "exchangeAccessState": "none",
        "exchangeAccessStateReason": "none",
        "remoteAssistanceSessionUrl": None,
        "remoteAssistanceSessionErrorDetails": None,
        "isEncrypted": True,
        "userPrincipalName": d.upn,
        "model": d.model,
        "manufacturer": d.manufacturer,
        "imei": "",
        "complianceGracePeriodExpirationDateTime": "9999-12-31T23:59:59Z",
        "serialNumber": d.serial,
        "phoneNumber": "",
        "androidSecurityPatchLevel": "2026-10-01" if d.os == "Android" else "",
        "userDisplayName": d.user_display_name,
        "configurationManagerClientEnabledFeatures": None,
        "wiFiMacAddress": "",
        "deviceHealthAttestationState": None,
        "subscriberCarrier": "",
        "meid": "",
        "totalStorageSpaceInBytes": d.total_storage,
        "freeStorageSpaceInBytes": d.free_storage,
        "managedDeviceName": f"{d.upn.split('@', 1)[0]}_{d.os}_{d.enrolled[:10]}",
        "partnerReportedThreatState": "unknown",
        "requireUserEnrollmentApproval": None,
        "managementCertificateExpirationDate": "2027-11-28T00:00:00Z",
        "iccid": None,
        "udid": None,
        "notes": None,
        "ethernetMacAddress": None,
        "physicalMemoryInBytes": 0,
    }


def site(t: Tenant, s: Site) -> Json:
    host = s.web_url.split("/", 3)[2]
    out: Json = {
        "createdDateTime": s.created,
        "description": "",
        "id": s.id,
        "lastModifiedDateTime": s.modified,
        "name": s.name,
        "webUrl": s.web_url,
        "displayName": s.display_name,
        "isPersonalSite": s.personal,
        "root": {},
        "siteCollection": {"hostName": host, "dataLocationCode": "FRA", "root": {}},
    }
    return out


def team(t: Tenant, tm: Team) -> Json:
    return {
        "id": tm.id,
        "createdDateTime": None,
        "displayName": tm.display_name,
        "description": tm.description,
        "internalId": None,
        "classification": None,
        "specialization": None,
        "visibility": None,
        "webUrl": None,
        "isArchived": None,
        "tenantId": None,
        "isMembershipLimitedToOwners": None,
        "memberSettings": None,
        "guestSettings": None,
        "messagingSettings": None,
        "funSettings": None,
        "discoverySettings": None,
        "summary": None,
    }


TEAM_DEFAULT = ("id", "displayName", "description")


def channel(t: Tenant, team_id: str, c: Channel) -> Json:
    from urllib.parse import quote

    return {
        "id": c.id,
        "createdDateTime": c.created,
        "displayName": c.display_name,
        "description": c.description or None,
        "isArchived": False,
        "isFavoriteByDefault": None,
        "email": "" if c.membership_type != "standard" else f"{team_id[:8]}.{c.id[3:11]}@fr.teams.ms",
        "tenantId": t.tenant_id,
        "webUrl": f"https://teams.cloud.microsoft/l/channel/{quote(c.id)}/{quote(c.display_name)}"
        f"?groupId={team_id}&tenantId={t.tenant_id}",
        "membershipType": c.membership_type,
        "moderationSettings": None,
    }


def installed_app(t: Tenant, team_id: str, app: TeamsApp, expand: set[str]) -> Json:
    out: Json = {"id": base64.b64encode(f"{team_id}##{app.teams_app_id}".encode()).decode()}
    if "teamsappdefinition" in expand:
        out["teamsAppDefinition"] = {
            "id": app.definition_id,
            "teamsAppId": app.teams_app_id,
            "azureADAppId": app.azure_ad_app_id,
            "displayName": app.display_name,
            "version": app.version,
            "requiredResourceSpecificApplicationPermissions": [],
            "publishingState": "published",
            "shortDescription": app.short_description,
            "description": app.short_description,
            "lastModifiedDateTime": None,
            "createdBy": None
            if app.publisher != "organization"
            else {
                "application": None,
                "device": None,
                "user": {"id": None, "displayName": None, "userIdentityType": "aadUser"},
            },
        }
    if "teamsapp" in expand:
        out["teamsApp"] = {
            "id": app.teams_app_id,
            "externalId": None if app.publisher != "organization" else app.teams_app_id,
            "displayName": app.display_name,
            "distributionMethod": app.distribution,
        }
    return out


def plan(t: Tenant, group_id: str, p: Plan) -> Json:
    return {
        "createdBy": {
            "application": {"id": "09abbdfd-ed23-44ee-a2d9-a627aa1c90f3"},
            "user": {"id": p.created_by},
        },
        "createdDateTime": p.created,
        "owner": group_id,
        "title": p.title,
        "id": p.id,
        "container": {
            "containerId": group_id,
            "type": "group",
            "url": f"https://graph.microsoft.com/v1.0/groups/{group_id}",
        },
    }


def booking(t: Tenant, b: BookingBusiness) -> Json:
    return {"id": b.id, "displayName": b.display_name}


def room(t: Tenant, r: Room) -> Json:
    return {
        "id": r.id,
        "emailAddress": r.email,
        "displayName": r.display_name,
        "address": {
            "street": "",
            "city": r.city,
            "state": "",
            "postalCode": r.postal_code,
            "countryOrRegion": "France",
        },
        "geoCoordinates": {"latitude": 47.9, "longitude": 1.9},
        "phone": "",
        "nickname": r.nickname,
        "label": r.nickname,
        "capacity": r.capacity,
        "building": r.building,
        "floorNumber": r.floor,
        "isManaged": True,
        "isWheelchairAccessible": r.floor == 0,
        "bookingType": "standard",
        "tags": [],
        "audioDeviceName": None,
        "videoDeviceName": None,
        "displayDevice": "écran" if r.capacity >= 8 else None,
    }


def ediscovery_case(t: Tenant, c: EdiscoveryCase) -> Json:
    return {
        "description": c.description,
        "lastModifiedDateTime": c.closed or c.created,
        "status": c.status,
        "closedDateTime": c.closed,
        "externalId": "",
        "id": c.id,
        "displayName": c.display_name,
        "createdDateTime": c.created,
        "lastModifiedBy": {
            "application": None,
            "user": {"id": None, "displayName": "Administrateur conformité"},
        },
        "closedBy": {
            "application": None,
            "user": {"id": None, "displayName": "Administrateur conformité" if c.closed else ""},
        },
    }


def sensitivity_label(t: Tenant, s: SensitivityLabel) -> Json:
    return {
        "id": s.id,
        "name": s.name,
        "displayName": s.name,
        "description": s.description,
        "toolTip": s.tooltip,
        "color": s.color,
        "sensitivity": s.sensitivity,
        "isEnabled": s.is_active,
        "isActive": s.is_active,
        "isAppliable": True,
        "isEndpointProtectionEnabled": False,
        "contentFormats": ["file", "email", "site", "unifiedGroup"],
        "hasProtection": s.sensitivity >= 3,
        "parent": None,
    }


def sku(t: Tenant, s: Sku) -> Json:
    return {
        "accountName": t.display_name,
        "accountId": t.tenant_id,
        "appliesTo": s.applies_to,
        "capabilityStatus": s.capability_status,
        "consumedUnits": s.consumed,
        "id": f"{t.tenant_id}_{s.sku_id}",
        "prepaidUnits": {
            "enabled": s.prepaid_enabled,
            "lockedOut": 0,
            "suspended": s.prepaid_suspended,
            "warning": s.prepaid_warning,
        },
        "servicePlans": [
            {
                "servicePlanId": pid,
                "servicePlanName": name,
                "provisioningStatus": "Success",
                "appliesTo": "User",
            }
            for pid, name in s.service_plans
        ],
        "skuId": s.sku_id,
        "skuPartNumber": s.part_number,
        "subscriptionIds": [s.subscription_id],
    }


def organization(t: Tenant) -> Json:
    return {
        "id": t.tenant_id,
        "deletedDateTime": None,
        "businessPhones": [],
        "city": "Orléans",
        "country": None,
        "countryLetterCode": "FR",
        "createdDateTime": "2016-03-14T09:12:45Z",
        "defaultUsageLocation": "FR",
        "displayName": t.display_name,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": f"{t.reference_date.isoformat()}T05:30:00Z",
        "onPremisesSyncEnabled": True,
        "postalCode": "45000",
        "preferredLanguage": "fr",
        "state": None,
        "street": "9 avenue Buffon",
        "tenantType": "AAD",
        "technicalNotificationMails": [f"dsi@{t.default_domain}"],
        "assignedPlans": [],
        "provisionedPlans": [],
        "verifiedDomains": [
            {
                "capabilities": ", ".join(d.services) or "None",
                "isDefault": d.default,
                "isInitial": d.initial,
                "name": d.id,
                "type": d.authentication_type,
            }
            for d in t.domains
            if d.verified
        ],
    }


Serializer = Callable[[Tenant, Any], Json]
