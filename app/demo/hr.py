"""The HR sample: departments, employees and their hires and exits from 2014 to 2024.

A month-by-month simulation of a company growing from a dozen people to about 250 on five
sites, with a hiring freeze in 2020, more resignations in 2021-2022, fixed-term contracts and
apprenticeships that end on their date, trial periods, retirements, and department heads who
leave and are replaced. Employees, movements and departments are consistent: one ``Hire``
movement per employee on ``hire_date``, one ``Exit`` movement exactly when ``exit_date`` is set,
and each department's manager is its current, still employed head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from app.demo.names import COUNTRY, Dice, person

FIRST_DAY = date(2014, 3, 1)
LAST_DAY = date(2024, 12, 31)
HEADCOUNT = (  # company size targets; linear in between
    (date(2014, 3, 1), 12),
    (date(2014, 12, 31), 35),
    (date(2015, 12, 31), 60),
    (date(2016, 12, 31), 85),
    (date(2017, 12, 31), 110),
    (date(2018, 12, 31), 140),
    (date(2019, 12, 31), 170),
    (date(2020, 12, 31), 168),
    (date(2021, 12, 31), 185),
    (date(2022, 12, 31), 215),
    (date(2023, 12, 31), 240),
    (date(2024, 12, 31), 250),
)
ATTRITION_BY_YEAR = {2020: 0.6, 2021: 1.2, 2022: 1.3}
SITE_SALARY = {"Paris": 108, "Lyon": 100, "Lille": 97, "Brussels": 105, "Barcelona": 85}
SITE_PEOPLE = {  # where staff of each site come from
    "Paris": {"FR": 88, "BE": 3, "IT": 3, "ES": 3, "DE": 3},
    "Lyon": {"FR": 92, "IT": 4, "CH": 4},
    "Lille": {"FR": 90, "BE": 10},
    "Brussels": {"BE": 80, "FR": 15, "NL": 5},
    "Barcelona": {"ES": 85, "FR": 10, "IT": 5},
}
CONTRACTS = {"Permanent": 80, "Fixed-term": 14, "Apprentice": 6}
QUIT_REASONS = {"Resignation": 65, "Mutual agreement": 22, "Dismissal": 13}


@dataclass(frozen=True)
class Title:
    name: str
    weight: int
    low: int  # yearly gross salary range in thousands of euros, full time, Lyon
    high: int


@dataclass(frozen=True)
class Department:
    department_id: int
    name: str
    cost_center: str
    sites: dict[str, int]
    share: float
    women: float
    attrition: float  # monthly probability that an employee leaves
    head: Title
    titles: tuple[Title, ...]


DEPARTMENTS = (
    Department(
        1, "Sales", "CC-100", {"Paris": 5, "Lyon": 2, "Brussels": 2, "Barcelona": 1}, 0.15,
        0.5, 0.012, Title("Head of Sales", 0, 90, 115),
        (Title("Key Account Manager", 2, 55, 70), Title("Account Executive", 5, 38, 52),
         Title("Sales Assistant", 2, 28, 34)),
    ),
    Department(
        2, "Marketing", "CC-200", {"Paris": 1}, 0.08, 0.6, 0.010,
        Title("Head of Marketing", 0, 85, 105),
        (Title("Marketing Manager", 2, 48, 62), Title("Content Specialist", 2, 36, 45),
         Title("Graphic Designer", 2, 34, 44), Title("Marketing Assistant", 1, 28, 33)),
    ),
    Department(
        3, "Engineering", "CC-300", {"Paris": 4, "Lyon": 3, "Barcelona": 2}, 0.18, 0.25, 0.011,
        Title("Head of Engineering", 0, 110, 135),
        (Title("Engineering Manager", 1, 75, 90), Title("Senior Software Engineer", 3, 60, 75),
         Title("Software Engineer", 5, 42, 58), Title("Data Analyst", 2, 42, 55),
         Title("QA Engineer", 1, 38, 48)),
    ),
    Department(
        4, "Customer Service", "CC-400", {"Lille": 3, "Brussels": 1, "Barcelona": 1}, 0.17,
        0.65, 0.018, Title("Head of Customer Service", 0, 70, 85),
        (Title("Team Lead", 1, 36, 42), Title("Customer Service Advisor", 8, 25, 30)),
    ),
    Department(
        5, "Finance", "CC-500", {"Paris": 1}, 0.06, 0.55, 0.007,
        Title("Chief Financial Officer", 0, 120, 145),
        (Title("Financial Controller", 1, 55, 68), Title("Accountant", 3, 36, 46),
         Title("Accounts Payable Clerk", 2, 28, 33)),
    ),
    Department(
        6, "Human Resources", "CC-600", {"Paris": 1}, 0.05, 0.75, 0.008,
        Title("HR Director", 0, 90, 110),
        (Title("HR Business Partner", 2, 48, 60), Title("Recruiter", 2, 38, 48),
         Title("Payroll Specialist", 1, 36, 44)),
    ),
    Department(
        7, "Operations", "CC-700", {"Lille": 1}, 0.31, 0.3, 0.015,
        Title("Head of Operations", 0, 85, 105),
        (Title("Warehouse Manager", 1, 45, 55), Title("Logistics Coordinator", 3, 32, 40),
         Title("Warehouse Operator", 10, 23, 27), Title("Forklift Driver", 3, 24, 28)),
    ),
)  # fmt: skip


@dataclass
class Employee:
    employee_id: int
    first_name: str
    last_name: str
    gender: str
    birth_date: date
    department: Department
    job_title: str
    location: str
    contract_type: str
    fte: str
    hire_salary: int
    hire_date: date
    hire_reason: str
    contract_end: date | None
    exit_date: date | None = None
    exit_reason: str | None = None

    @property
    def is_head(self) -> bool:
        return self.job_title == self.department.head.name

    @property
    def annual_salary(self) -> int:
        """Salary today, or when leaving: 2 % a year on the hiring salary."""
        years = ((self.exit_date or LAST_DAY) - self.hire_date).days // 365
        return (self.hire_salary * (1000 + 20 * years) // 1000 + 50) // 100 * 100


@dataclass(frozen=True)
class Movement:
    movement_id: int
    movement_date: date
    employee: Employee
    movement_type: str
    reason: str


@dataclass
class HrData:
    departments: tuple[Department, ...]
    employees: list[Employee]
    movements: list[Movement]
    managers: dict[int, Employee] = field(default_factory=dict)


def build_hr(seed: int) -> HrData:
    """The whole HR dataset for ``seed``; the same seed always gives the same data."""
    dice = Dice(seed)
    staff: list[Employee] = []
    pending = {d.department_id: 0 for d in DEPARTMENTS}
    month = FIRST_DAY
    while month <= LAST_DAY:
        month_end = _next_month(month) - timedelta(days=1)
        for employee in staff:
            if employee.exit_date is None and employee.hire_date < month:
                _maybe_leave(dice, employee, month, month_end)
                if employee.exit_date is not None:
                    pending[employee.department.department_id] += 1
        for department in DEPARTMENTS:
            _hire(dice, staff, department, pending, month, month_end)
        month = _next_month(month)
    staff.sort(key=lambda e: (e.hire_date, e.employee_id))
    for number, employee in enumerate(staff, start=1001):
        employee.employee_id = number
    managers = {e.department.department_id: e for e in staff if e.is_head and e.exit_date is None}
    return HrData(DEPARTMENTS, staff, _movements(staff), managers)


def _maybe_leave(dice: Dice, employee: Employee, month: date, month_end: date) -> None:
    if employee.contract_end is not None and employee.contract_end <= month_end:
        employee.exit_date = employee.contract_end
        employee.exit_reason = (
            "End of apprenticeship"
            if employee.contract_type == "Apprentice"
            else "End of fixed-term contract"
        )
        return
    age = (month - employee.birth_date).days // 365
    tenure_months = (month - employee.hire_date).days // 30
    reason = None
    if employee.is_head:
        if month <= date(2024, 9, 1) and dice.chance(0.004):
            reason = dice.weighted(list(QUIT_REASONS), list(QUIT_REASONS.values()))
    elif age >= 62 and dice.chance(0.2):
        reason = "Retirement"
    elif employee.contract_type == "Permanent" and tenure_months < 4 and dice.chance(0.015):
        reason = "End of trial period"
    elif dice.chance(employee.department.attrition * ATTRITION_BY_YEAR.get(month.year, 1.0)):
        reason = dice.weighted(list(QUIT_REASONS), list(QUIT_REASONS.values()))
    if reason is not None:
        employee.exit_date = _workday(dice.day(month, month_end), month_end)
        employee.exit_reason = reason


def _hire(
    dice: Dice,
    staff: list[Employee],
    department: Department,
    pending: dict[int, int],
    month: date,
    month_end: date,
) -> None:
    active = [e for e in staff if e.department is department and e.exit_date is None]
    target = max(1, round(_headcount(month) * department.share))
    needs_head = not any(e.is_head for e in active)
    for slot in range(max(target - len(active), 1 if needs_head else 0)):
        replacement = pending[department.department_id] > 0
        if replacement:
            pending[department.department_id] -= 1
        title = department.head if needs_head and slot == 0 else _title(dice, department)
        reason = "Replacement" if replacement else "New position"
        staff.append(_new_employee(dice, len(staff), department, title, month, month_end, reason))


def _title(dice: Dice, department: Department) -> Title:
    return dice.weighted(department.titles, [t.weight for t in department.titles])


def _new_employee(
    dice: Dice,
    sequence: int,
    department: Department,
    title: Title,
    month: date,
    month_end: date,
    reason: str,
) -> Employee:
    head = title is department.head
    site = next(iter(department.sites)) if head else _weighted_key(dice, department.sites)
    someone = person(dice, COUNTRY[_weighted_key(dice, SITE_PEOPLE[site])], department.women)
    contract = "Permanent" if head else _weighted_key(dice, CONTRACTS)
    if contract == "Apprentice" and title.low >= 40:
        contract = "Fixed-term"
    hired = _workday(dice.day(month, month_end), month_end)
    end = None
    if contract == "Fixed-term":
        end = _add_months(hired, dice.between(6, 18)) - timedelta(days=1)
    elif contract == "Apprentice":
        end = _add_months(hired, 24) - timedelta(days=1)
    if head:
        age = dice.bell(35, 55)
    elif contract == "Apprentice":
        age = dice.between(18, 22)
    else:
        age = dice.bell(20, 60)
    born = date(hired.year - age - 1, 1, 1) + timedelta(days=dice.between(0, 364))
    fte = "1.0"
    if contract == "Permanent" and not head and dice.chance(0.12):
        fte = dice.weighted(("0.8", "0.5"), (80, 20))
    full_time = dice.bell(title.low, title.high) * 1000 * SITE_SALARY[site] // 100
    pay = full_time * {"1.0": 10, "0.8": 8, "0.5": 5}[fte] // 10
    if contract == "Apprentice":
        pay = pay * 6 // 10
    return Employee(
        sequence, someone.first_name, someone.last_name, someone.gender, born, department,
        title.name, site, contract, fte, pay, hired, reason, end,
    )  # fmt: skip


def _movements(staff: list[Employee]) -> list[Movement]:
    events = [(e.hire_date, 0, e.employee_id, e, "Hire", e.hire_reason) for e in staff]
    events += [
        (e.exit_date, 1, e.employee_id, e, "Exit", e.exit_reason or "")
        for e in staff
        if e.exit_date is not None
    ]
    events.sort(key=lambda event: event[:3])
    return [
        Movement(number, day, employee, kind, reason)
        for number, (day, _, _, employee, kind, reason) in enumerate(events, start=1)
    ]


def _headcount(day: date) -> float:
    for (start, low), (end, high) in pairwise(HEADCOUNT):
        if start <= day <= end:
            return low + (high - low) * (day - start).days / (end - start).days
    return float(HEADCOUNT[-1][1])


def _weighted_key(dice: Dice, shares: dict[str, int]) -> str:
    return dice.weighted(list(shares), list(shares.values()))


def _workday(day: date, last: date) -> date:
    """Monday instead of a weekend day, unless that leaves the month: then the Friday before."""
    if day.weekday() < 5:
        return day
    monday = day + timedelta(days=7 - day.weekday())
    return monday if monday <= last else day - timedelta(days=day.weekday() - 4)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (_next_month(date(year, month, 1)) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))
