"""All models, imported here so that metadata is complete for migrations."""
from service.models.auth import AccessKeyWindow, IssuedToken, LoginFailure
from service.models.calendar import CalendarChange, CalendarDay
from service.models.incidents import Counter, Incident, IncidentEvent, IncidentPhoto
from service.models.disputes import (Dispute, DisputeDocument, DisputeEvent, DisputeMediator,
                                     DisputeParty, DisputeVillage, FollowUp, MediationSession,
                                     Notification, RoutingDecision, RoutingRule)
from service.models.committees import Committee, CommitteeMember, LegalAdvisor
from service.models.people import AccountEvent, User, UserRole, WorkerAssignment
from service.models.reads import PersonalDataRead
from service.models.town import Grid, Town, Village

__all__ = ["AccessKeyWindow", "AccountEvent", "CalendarChange", "CalendarDay", "Dispute", "DisputeDocument", "DisputeEvent", "DisputeMediator",
           "DisputeParty", "DisputeVillage",
           "FollowUp", "MediationSession", "Notification", "RoutingDecision", "RoutingRule",
           "Committee", "CommitteeMember", "Counter", "Incident", "IncidentEvent", "IncidentPhoto", "Grid", "IssuedToken", "LegalAdvisor", "LoginFailure", "PersonalDataRead",
           "Town", "User", "UserRole", "Village", "WorkerAssignment"]
