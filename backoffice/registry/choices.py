from django.db import models
from django.utils.translation import gettext_lazy as _


class RoadClass(models.TextChoices):
    MAIN = "main", _("Main road")
    SECONDARY = "secondary", _("Secondary road")
    LANE = "lane", _("Lane")
    FOOTPATH = "footpath", _("Footpath")


class StructureType(models.TextChoices):
    PUCCA = "pucca", _("Pucca (RCC)")
    SEMI_PUCCA = "semi_pucca", _("Semi-pucca")
    TIN_SHED = "tin_shed", _("Tin shed")
    KUTCHA = "kutcha", _("Kutcha")
    OTHER = "other", _("Other")


class BuildingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    MIXED = "mixed", _("Mixed")
    INDUSTRIAL = "industrial", _("Industrial")
    INSTITUTIONAL = "institutional", _("Institutional")
    GOVERNMENT = "government", _("Government")
    RELIGIOUS = "religious", _("Religious")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")


class WaterSource(models.TextChoices):
    PIPED = "piped", _("Piped supply")
    TUBEWELL = "tubewell", _("Tube well")
    DEEP_TUBEWELL = "deep_tubewell", _("Deep tube well")
    POND = "pond", _("Pond or river")
    OTHER = "other", _("Other")


class SanitationSystem(models.TextChoices):
    SEPTIC_TANK = "septic_tank", _("Septic tank")
    PIT = "pit", _("Pit latrine")
    SEWER = "sewer", _("Sewer")
    DRAIN = "drain", _("Drain")
    OPEN = "open", _("Open defecation")
    SHARED = "shared", _("Shared toilet")
    NONE = "none", _("None")


class BuildingStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    DEMOLISHED = "demolished", _("Demolished")


class HoldingType(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    MIXED = "mixed", _("Mixed")
    INDUSTRIAL = "industrial", _("Industrial")
    GOVERNMENT = "government", _("Government")
    RELIGIOUS = "religious", _("Religious / charitable")


class HoldingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired (merged or split)")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not stated")


class WaterbodyKind(models.TextChoices):
    RIVER = "river", _("River")
    CANAL = "canal", _("Canal")
    POND = "pond", _("Pond")
    LAKE = "lake", _("Lake")


class DrainKind(models.TextChoices):
    OPEN = "open", _("Open drain")
    COVERED = "covered", _("Covered drain")
