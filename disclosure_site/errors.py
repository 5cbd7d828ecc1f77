"""Domain errors: raised by rule functions, shown to users as their Chinese message."""


class DomainError(Exception):
    """A rule of the domain refused an action; str(error) is a message for the user."""


class CalendarMissing(DomainError):
    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"缺少{year}年的工作日历（法定节假日和调休上班日），无法计算工作日期限。"
            f"请系统管理员在后台“工作日历”中录入{year}年的放假安排后再试。"
        )
