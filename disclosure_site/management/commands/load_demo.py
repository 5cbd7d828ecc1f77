"""Demo data for a laptop: a county government, its departments and towns, and staff of every role."""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.checkdigits import make_credit_code
from disclosure_site.models import Membership, Organization, Role

DEMO_PASSWORD = "demo-2026-gk"  # noqa: S105 - printed on purpose, refused outside DEBUG
REGION = "330122"

GOVERNMENT = "清河县人民政府"
ORGANIZATIONS = [
    # (name, short name, kind, org-code base, phone)
    ("清河县人民政府办公室", "县政府办", "department", "00214301", "0571-58800101"),
    ("清河县发展和改革局", "县发改局", "department", "00214302", "0571-58800202"),
    ("清河县教育局", "县教育局", "department", "00214303", "0571-58800303"),
    ("清河县财政局", "县财政局", "department", "00214304", "0571-58800404"),
    ("清河县人力资源和社会保障局", "县人社局", "department", "00214305", "0571-58800505"),
    ("清河县自然资源和规划局", "县自然资源局", "department", "00214306", "0571-58800606"),
    ("清河县住房和城乡建设局", "县住建局", "department", "00214307", "0571-58800707"),
    ("清河县卫生健康局", "县卫健局", "department", "00214308", "0571-58800808"),
    ("清河县城关镇人民政府", "城关镇", "town", "00214309", "0571-58800909"),
    ("清河县桥头镇人民政府", "桥头镇", "town", "00214310", "0571-58801010"),
]

STAFF = [
    # (username, display name, organization, role)
    ("xf_clerk", "王晓峰", GOVERNMENT, Role.CLERK),
    ("xf_reviewer", "李红梅", GOVERNMENT, Role.REVIEWER),
    ("xf_head", "张建国", GOVERNMENT, Role.HEAD),
    ("cz_clerk", "刘芳", "清河县财政局", Role.CLERK),
    ("cz_reviewer", "陈志强", "清河县财政局", Role.REVIEWER),
    ("cz_head", "赵卫东", "清河县财政局", Role.HEAD),
    ("jy_clerk", "孙丽", "清河县教育局", Role.CLERK),
    ("jy_reviewer", "周明", "清河县教育局", Role.REVIEWER),
    ("jy_head", "吴海燕", "清河县教育局", Role.HEAD),
    ("cg_clerk", "郑小军", "清河县城关镇人民政府", Role.CLERK),
    ("cg_head", "冯丽华", "清河县城关镇人民政府", Role.HEAD),
]


class Command(BaseCommand):
    help = "载入演示数据：清河县人民政府及其部门、乡镇，各角色的演示账号（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true", help="在 DEBUG 关闭时也载入（演示账号密码公开，慎用）。"
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "演示数据含公开的账号密码，生产模式（DEBUG 关闭）下拒绝载入；确需载入请加 --allow-production。"
            )
        seed_from_package()
        government = self._organization(GOVERNMENT, "县政府", "government", "00214300", "0571-58800000", parent=None)
        orgs = {GOVERNMENT: government}
        for name, short, kind, base, phone in ORGANIZATIONS:
            orgs[name] = self._organization(name, short, kind, base, phone, parent=government)

        User = get_user_model()
        # One hash for every demo account: hashing a dozen times would cost seconds at each `make run`.
        password_hash = make_password(DEMO_PASSWORD)
        User.objects.update_or_create(
            username="admin",
            defaults={
                "last_name": "系统管理员",
                "is_staff": True,
                "is_superuser": True,
                "email": "admin@example.gov.cn",
                "password": password_hash,
            },
        )
        rows = [("admin", "系统管理员", "全部机构", "系统管理员")]
        for username, display, org_name, role in STAFF:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "last_name": display,
                    "is_staff": True,
                    "is_superuser": False,
                    "email": f"{username}@example.gov.cn",
                    "password": password_hash,
                },
            )
            Membership.objects.get_or_create(user=user, organization=orgs[org_name], role=role)
            rows.append((username, display, org_name, role.label))

        self.stdout.write(f"演示数据已载入：{len(orgs)} 个机构，{len(rows)} 个账号。")
        self.stdout.write(f"管理后台（网址 /admin/）所有演示账号的密码均为：{DEMO_PASSWORD}")
        for username, display, org_name, role in rows:
            self.stdout.write(f"  {username:<12} {display:<6} {role:<6} {org_name}")
        # Each app may add its own demo records in <app>/demo.py (this app cannot import them).
        for app_config in apps.get_app_configs():
            if app_config.name != "disclosure_site" and module_has_submodule(app_config.module, "demo"):
                import_module(f"{app_config.name}.demo").load(self.stdout)

    def _organization(self, name, short, kind, base, phone, *, parent):
        org, _ = Organization.objects.update_or_create(
            name=name,
            defaults={
                "short_name": short,
                "kind": kind,
                "parent": parent,
                "credit_code": make_credit_code(REGION, base),
                "address": f"浙江省清河县人民路{int(base[-2:]) + 1}号",
                "postcode": "311500",
                "phone": phone,
                "fax": phone[:-1] + "9",
                "email": f"gk{base[-2:]}@qinghe.example.gov.cn",
                "office_hours": "工作日 上午8:30–12:00，下午14:30–17:30",
            },
        )
        return org
