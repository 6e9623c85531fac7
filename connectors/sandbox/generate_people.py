"""Departments, users and the discipline profile of every manager.

A profile says how a manager treats his deals; the deal and activity generators read it. The sales head and
the CEO are users too; one dismissed manager (ACTIVE false) still owns open deals, as on real portals.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from connectors.sandbox.clock import DAY, Clock


@dataclass(frozen=True)
class Profile:
    """How a manager keeps deals: the knobs the deal and activity generators read."""

    name: str
    touch_gap_days: float  # mean days between two completed touches
    planned_share: float  # open deals that have a planned next step
    overdue_share: float  # of those, the planned step is overdue
    stale_share: float  # open deals left untouched for weeks
    missed_share: float  # deals with a missed incoming call / unanswered email left open
    old_open_share: float  # deals created over 90 days ago that are still open
    weight: float  # how many deals the manager gets, relative
    # open deals where the call after the last step never came: nothing after the proposal was sent, or the
    # last touch is a meeting (the follow-up rules' cases)
    followup_miss_share: float = 0.0


PROFILES: dict[str, Profile] = {
    "disciplined": Profile("disciplined", 2.5, 1.0, 0.0, 0.0, 0.0, 0.03, 1.0, 0.0),
    "average": Profile("average", 5.0, 0.85, 0.15, 0.12, 0.06, 0.12, 1.0, 0.2),
    "sloppy": Profile("sloppy", 9.0, 0.45, 0.45, 0.5, 0.3, 0.3, 1.0, 0.5),
    "newbie": Profile("newbie", 4.0, 0.7, 0.25, 0.15, 0.12, 0.1, 0.6, 0.3),
    "head": Profile("head", 3.0, 1.0, 0.05, 0.0, 0.0, 0.05, 0.3, 0.0),
    "dismissed": Profile("dismissed", 6.0, 0.7, 0.2, 0.1, 0.1, 0.3, 0.8, 0.3),
}

# The order in which profiles are dealt to ordinary managers; the head and the dismissed one are extra.
_PROFILE_CYCLE = ("disciplined", "average", "sloppy", "average", "disciplined", "sloppy", "average", "newbie")

_MALE_FIRST = (
    "Алексей",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Иван",
    "Максим",
    "Михаил",
    "Николай",
    "Павел",
    "Артём",
    "Кирилл",
    "Егор",
    "Роман",
    "Владимир",
    "Олег",
    "Игорь",
    "Денис",
    "Евгений",
)
_FEMALE_FIRST = (
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Екатерина",
    "Ирина",
    "Светлана",
    "Юлия",
    "Дарья",
    "Ксения",
    "Алина",
    "Виктория",
    "Полина",
    "Марина",
)
_LAST = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
)
_MALE_PATRONYMIC = ("Александрович", "Сергеевич", "Игоревич", "Андреевич", "Викторович", "Олегович", "")
_FEMALE_PATRONYMIC = ("Александровна", "Сергеевна", "Игоревна", "Андреевна", "Викторовна", "Олеговна", "")
_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)

HEAD_OFFICE = 1
SALES = 2


@dataclass(frozen=True)
class Manager:
    """A user who owns deals."""

    id: int
    profile: Profile
    department: int
    hired: int  # epoch seconds; gets no deals created before
    dismissed: int | None  # epoch seconds; gets no deals created after, touches nothing after


@dataclass(frozen=True)
class People:
    departments: list[tuple]
    users: list[tuple]  # rows in USER_FIELDS order
    managers: list[Manager]


def manager_count(size_managers: int) -> int:
    return max(10, size_managers)


def sales_departments(n_managers: int) -> list[tuple[int, str]]:
    names = ["Отдел продаж Москва", "Отдел продаж Регионы", "Корпоративные продажи"]
    return [(10 + i, name) for i, name in enumerate(names[: 2 if n_managers < 12 else 3])]


def make_people(rng: random.Random, clock: Clock, n_managers: int) -> People:
    """The CEO (id 1, the webhook's user), the sales head, n managers (one dismissed), an accountant."""
    depts = sales_departments(n_managers)
    users: list[tuple] = []
    managers: list[Manager] = []
    used: set[str] = set()

    def add(position: str, dept: int, hired: int, active: bool = True) -> int:
        uid = len(users) + 1
        users.append(_user_row(rng, clock, uid, position, dept, hired, active, used))
        return uid

    years = 365 * DAY
    ceo = add("Генеральный директор", HEAD_OFFICE, clock.now - 6 * years)
    head = add("Руководитель отдела продаж", SALES, clock.now - 4 * years)
    managers.append(Manager(head, PROFILES["head"], SALES, clock.now - 4 * years, None))
    n_dismissed = max(1, n_managers // 50)
    for i in range(n_managers):
        dept = depts[i % len(depts)][0]
        dismissed_at = None
        if i >= n_managers - n_dismissed:
            profile = PROFILES["dismissed"]
            dismissed_at = clock.now - rng.randrange(35, 70) * DAY
        else:
            profile = PROFILES[_PROFILE_CYCLE[i % len(_PROFILE_CYCLE)]]
        if profile.name == "newbie":
            hired = clock.now - rng.randrange(100, 160) * DAY
        else:
            hired = clock.now - rng.randrange(600, 2000) * DAY
        uid = add("Менеджер по продажам", dept, hired, active=dismissed_at is None)
        managers.append(Manager(uid, profile, dept, hired, dismissed_at))
    add("Бухгалтер", HEAD_OFFICE, clock.now - 3 * years)
    departments = [
        (HEAD_OFFICE, "ООО «Ромашка»", 100, None, ceo),
        (SALES, "Коммерческий департамент", 200, HEAD_OFFICE, head),
    ]
    for n, (dept_id, name) in enumerate(depts):
        dept_head = next(m.id for m in managers if m.department == dept_id and m.dismissed is None)
        departments.append((dept_id, name, 300 + n * 10, SALES, dept_head))
    return People(departments, users, managers)


def _user_row(
    rng: random.Random,
    clock: Clock,
    uid: int,
    position: str,
    dept: int,
    hired: int,
    active: bool,
    used: set[str],
) -> tuple:
    female = rng.random() < 0.45
    while True:
        first = rng.choice(_FEMALE_FIRST if female else _MALE_FIRST)
        last = rng.choice(_LAST) + ("а" if female else "")
        if f"{first} {last}" not in used or len(used) > 400:
            break
    used.add(f"{first} {last}")
    patronymic = rng.choice(_FEMALE_PATRONYMIC if female else _MALE_PATRONYMIC)
    login = f"{first[0]}.{last}".lower().translate(_TRANSLIT)
    last_login = clock.now - rng.randrange(1, 3 * DAY) if active else hired + 200 * DAY
    digits = (rng.randrange(10, 99), rng.randrange(100, 999), rng.randrange(10, 99), rng.randrange(10, 99))
    phone = "+7 (9{}) {}-{}-{}".format(*digits)
    return (
        uid,
        "",
        1 if active else 0,
        first,
        last,
        patronymic,
        f"{login}{uid}@romashka.test",
        clock.dt(min(last_login, clock.now)),
        clock.dt(hired),
        "Europe/Moscow",
        "N",
        "{}",
        "F" if female else "M",
        "",
        phone if rng.random() < 0.6 else "",
        position,
        f"+7 (495) 123-45-{uid % 100:02d}",
        json.dumps([dept]),
        clock.dt(hired)[:10],
        "employee",
    )
