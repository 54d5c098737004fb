"""Vocabularies several apps share. Codes are stored; labels are translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceCategory(models.TextChoices):
    COMMUNITY = "community", _("社区服务")
    ELDERLY = "elderly", _("助老服务")
    DISABILITY = "disability", _("助残服务")
    CHILDREN = "children", _("关爱少年儿童")
    POVERTY = "poverty", _("扶贫济困")
    ENVIRONMENT = "environment", _("生态环保")
    CULTURE = "culture", _("文化传承")
    EDUCATION = "education", _("教育培训")
    HEALTH = "health", _("医疗卫生")
    PSYCHOLOGY = "psychology", _("心理咨询")
    LEGAL = "legal", _("法律服务")
    EMERGENCY = "emergency", _("应急救援")
    SAFETY = "safety", _("平安守护")
    TRAFFIC = "traffic", _("文明交通")
    LARGE_EVENT = "large_event", _("大型活动")
    OTHER = "other", _("其他")


class Skill(models.TextChoices):
    FIRST_AID = "first_aid", _("急救")
    MEDICAL = "medical", _("医疗护理")
    PSYCHOLOGY = "psychology", _("心理咨询")
    LAW = "law", _("法律")
    TEACHING = "teaching", _("教学辅导")
    FOREIGN_LANGUAGE = "foreign_language", _("外语")
    SIGN_LANGUAGE = "sign_language", _("手语")
    COMPUTER = "computer", _("计算机")
    PHOTOGRAPHY = "photography", _("摄影摄像")
    ART = "art", _("文艺")
    DRIVING = "driving", _("驾驶")
    HAIRDRESSING = "hairdressing", _("理发")
    REPAIR = "repair", _("家电维修")
    OTHER = "other", _("其他")
