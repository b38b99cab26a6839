"""Fixed catalogues the generator draws from: organisations, SKUs and their plans, app and device names."""

from __future__ import annotations

ORGS: dict[str, tuple[str, str, str]] = {
    # size: (display name, default domain, short name for onmicrosoft/sharepoint)
    "demo": ("Agence régionale de l'eau Loire-Bretagne (fictive)", "agence-eau.example.fr", "agenceeaulb"),
    "s": ("Syndicat mixte du bassin de la Sèvre (fictif)", "smbs.example.fr", "smbsevre"),
    "m": ("Communauté d'agglomération du Val-de-Loire (fictive)", "agglo-valdeloire.example.fr", "aggloval"),
    "l": ("Conseil départemental de Loire-Océan (fictif)", "loire-ocean.example.fr", "cdloireocean"),
    "xl": (
        "Ministère de la Transition hydrique (fictif)",
        "transition-hydrique.example.gouv.fr",
        "mintranshydro",
    ),
}

# (part number, skuId, service plans)
SKU_E3 = ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965")
SKU_E1 = ("STANDARDPACK", "18181a46-0d4e-45cd-891e-60aabd171b4e")
SKU_F3 = ("SPE_F1", "66b55226-6b4f-492c-910c-a3b7a3c9d993")
SKU_EMS = ("EMS", "efccb6f7-5641-4e0e-bd10-b4976e1bf68e")
SKU_PBI_PRO = ("POWER_BI_PRO", "f8a1db68-be16-40ed-86d5-cb42ce701560")
SKU_PBI_FREE = ("POWER_BI_STANDARD", "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235")
SKU_FLOW_FREE = ("FLOW_FREE", "f30db892-07e9-47e9-837c-80727f46fd3d")
SKU_ARCHIVE = ("EXCHANGEARCHIVE_ADDON", "ee02fd1b-340e-4a4b-b355-4a514e4c8943")
SKU_COPILOT = ("Microsoft_365_Copilot", "639dec6b-bb19-468b-871c-c5c441c4b0cb")
SKU_AUDIO = ("MCOMEETADV", "0c266dff-15dd-4b49-8397-2bb16070ed52")
SKU_VISIO = ("VISIOCLIENT", "c5928f49-12ba-48f7-ada3-0d743a3601d5")

SERVICE_PLANS: dict[str, tuple[tuple[str, str], ...]] = {
    "SPE_E3": (
        ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
        ("5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"),
        ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
        ("43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION"),
        ("b737dad2-2f6c-4c65-90e3-ca563267e8b9", "PROJECTWORKMANAGEMENT"),
        ("c1ec4a95-1f05-45b3-a911-aa3fa01094f5", "INTUNE_A"),
    ),
    "STANDARDPACK": (
        ("9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD"),
        ("c7699d2e-19aa-44de-8edf-1736da088ca1", "SHAREPOINTSTANDARD"),
        ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
        ("e95bec33-7c88-4a70-8e19-b10bd9d0c014", "SHAREPOINTWAC"),
    ),
    "SPE_F1": (
        ("4a82b400-a79f-41a4-b4e2-e94f5787b113", "EXCHANGE_S_DESKLESS"),
        ("902b47e5-dcb2-4fdc-858b-c63a90a2bdb9", "SHAREPOINTDESKLESS"),
        ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
    ),
    "FLOW_FREE": (("50e68c76-46c6-4674-81f9-75456511b170", "FLOW_P2_VIRAL"),),
    "POWER_BI_STANDARD": (("2049e525-b859-401b-b2a0-e0a31c4b1fe4", "BI_AZURE_P0"),),
}

EXTERNAL_DOMAINS = (
    "cerema.example.fr",
    "bureau-hydro.example.com",
    "univ-nantes.example.fr",
    "gmail.example.com",
    "prefecture.example.gouv.fr",
    "ofb.example.fr",
)

MS_FIRST_PARTY = (
    "Office 365 Exchange Online",
    "Office 365 SharePoint Online",
    "Microsoft Graph",
    "Microsoft Teams",
    "Microsoft Intune",
    "Azure Portal",
    "Microsoft Forms",
    "Power BI Service",
    "Microsoft Flow Service",
    "PowerApps Service",
    "Skype for Business Online",
    "Office 365 Management APIs",
    "Microsoft Planner",
    "Microsoft Stream Service",
    "Yammer",
    "OneNote",
    "Microsoft To-Do",
    "Windows Azure Active Directory",
    "Microsoft Bookings",
    "Microsoft Whiteboard Services",
    "Office Online",
    "Microsoft Information Protection",
    "Microsoft Defender for Cloud Apps",
    "Azure Resource Manager",
    "Microsoft App Access Panel",
    "Office Shredding Service",
    "Microsoft Approval Management",
    "Microsoft Teams Services",
    "Microsoft Office 365 Portal",
    "Microsoft Device Management Checkin",
    "Microsoft Exchange Online Protection",
)
SAML_APPS = (
    "Portail RH (SAML)",
    "GLPI",
    "Nextcloud (SAML)",
    "Moodle formation",
    "Parapheur électronique",
    "Chorus Pro connecteur",
    "Salesforce",
    "ServiceNow",
    "Zoom",
    "Dropbox Business",
    "Adobe Sign",
    "Workday",
    "Tableau",
    "Atlassian Cloud",
    "Cornerstone",
    "Lucca",
    "Docusign",
    "BlueKango",
)
OIDC_APPS = (
    "Application métier Redevances",
    "Portail usagers",
    "Carto SIG web",
    "Grist",
    "Mattermost",
    "Intranet XWiki",
    "OpenProject",
    "Outil de ticketing",
    "Miro",
    "Slack",
    "Notion",
    "Figma",
)
PASSWORD_APPS = ("Banque en ligne", "Portail fournisseur", "Météo-France pro", "Plateforme marchés")

TEAMS_APPS: tuple[tuple[str, str, str], ...] = (
    # display name, publisher, short description
    ("OneNote", "microsoft", "Capture and share ideas, to-do lists and other notes with your team."),
    ("Tasks by Planner and To Do", "microsoft", "Keep track of your tasks."),
    ("SharePoint Pages", "microsoft", "Add a tab for a SharePoint news article or page."),
    ("Microsoft Forms", "microsoft", "Easily create surveys, quizzes and polls."),
    ("Power BI", "microsoft", "Create and share insights with Power BI."),
    ("Approvals", "microsoft", "Create, manage and share approvals directly from Teams."),
    ("Lists", "microsoft", "Track information and organise work."),
    ("Power Automate Actions", "microsoft", "Be more productive with Microsoft Flow"),
    ("Whiteboard", "microsoft", "Collaborate on a freeform canvas."),
    ("Trello", "third-party", "Trello boards in Teams."),
    ("Miro", "third-party", "Online whiteboard for visual collaboration."),
    ("Zoom", "third-party", "Zoom meetings from Teams."),
    ("Asana", "third-party", "Track your team's projects."),
    ("Jira Cloud", "third-party", "Jira issues in Teams."),
    ("Polly", "third-party", "Polls and surveys."),
    ("Adobe Acrobat", "third-party", "Share and review PDFs."),
    ("Annuaire interne", "organization", "Application interne : annuaire des agents."),
    ("Demandes SI", "organization", "Application métier : demandes au service informatique."),
    ("Suivi des redevances", "organization", "Application métier sur mesure."),
)

DEVICE_MODELS: dict[str, tuple[tuple[str, str], ...]] = {
    "Windows": (
        ("Latitude 5440", "Dell Inc."),
        ("ThinkPad T14 Gen 4", "LENOVO"),
        ("EliteBook 840 G10", "HP"),
        ("Surface Laptop 5", "Microsoft Corporation"),
    ),
    "macOS": (("MacBook Air (M2, 2022)", "Apple"), ("MacBook Pro (14-inch, 2023)", "Apple")),
    "iOS": (("iPhone 14", "Apple"), ("iPhone 15", "Apple"), ("iPhone SE (3rd generation)", "Apple")),
    "iPadOS": (("iPad (10th generation)", "Apple"), ("iPad Air (5th generation)", "Apple")),
    "Android": (("Galaxy A54 5G", "samsung"), ("Galaxy XCover6 Pro", "samsung"), ("Pixel 7a", "Google")),
}
OS_VERSIONS: dict[str, tuple[str, ...]] = {
    "Windows": ("10.0.22631.4602", "10.0.26100.2605", "10.0.19045.5247"),
    "macOS": ("14.7.1 (23H222)", "15.1.1 (24B91)"),
    "iOS": ("17.7.2", "18.1.1"),
    "iPadOS": ("17.7.2", "18.1.1"),
    "Android": ("13", "14", "15"),
}

CA_POLICIES = (
    ("CA001 - MFA pour les administrateurs", "enabled", ("mfa",)),
    ("CA002 - Bloquer l'authentification héritée", "enabled", ("block",)),
    ("CA003 - MFA pour tous les utilisateurs", "enabledForReportingButNotEnforced", ("mfa",)),
    ("CA004 - Appareils conformes pour SharePoint", "enabled", ("compliantDevice",)),
    ("CA005 - Bloquer hors de France", "disabled", ("block",)),
    ("CA006 - MFA pour les invités", "enabled", ("mfa",)),
    (
        "CA007 - Accès mobile via applications gérées",
        "enabledForReportingButNotEnforced",
        ("approvedApplication",),
    ),
    ("CA008 - Test pilote (désactivée)", "disabled", ("mfa",)),
    ("CA009 - Risque de connexion élevé", "enabled", ("mfa",)),
    ("CA010 - Session navigateur 12 h", "enabled", ()),
)

SENSITIVITY_LABELS = (
    ("Public", "Information publique", "#2E8B57", 0),
    ("Interne", "Usage interne à l'agence", "#4682B4", 1),
    ("Diffusion restreinte", "Diffusion limitée aux destinataires", "#DAA520", 2),
    ("Confidentiel", "Information confidentielle", "#FF8C00", 3),
    ("Confidentiel - RH", "Données de ressources humaines", "#FF4500", 4),
    ("Données personnelles", "Contient des données à caractère personnel (RGPD)", "#B22222", 5),
    ("Secret - Direction", "Réservé au comité de direction", "#8B0000", 6),
)
