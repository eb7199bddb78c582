"""Demo articles (Russian and English) and canned responses.

Idempotent: an article is created only when none has its title, a canned
response only when its author has none with its title. Runs after the
core's demo data (users, categories), through ``flask demo load``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.service import accounts
from knowledge_base.models import Article, ArticleStatus, CannedResponse, Visibility
from knowledge_base.service import articles as article_service
from knowledge_base.service import canned as canned_service

PUBLIC, INTERNAL = Visibility.PUBLIC, Visibility.INTERNAL

# (title, category, tags, visibility, body)
DEMO_ARTICLES: tuple[tuple[str, str, str, Visibility, str], ...] = (
    (
        "Принтер пишет «Замятие бумаги», но бумаги внутри нет",
        "hardware",
        "принтер, hp, замятие",
        PUBLIC,
        """Так бывает, когда в тракте остался маленький обрывок листа или датчик
не сбросился после прошлого замятия.

1. Выключите принтер кнопкой и выньте кабель питания на 30 секунд.
2. Откройте **заднюю крышку** (у HP LaserJet — дверца дуплекса) и проверьте
   ролики: обрывки часто застревают именно там.
3. Выньте лоток и посмотрите в щель подачи с фонариком.
4. Включите принтер и напечатайте пробную страницу.

Если сообщение остаётся, создайте заявку: укажите модель принтера и
инвентарный номер с наклейки.""",
    ),
    (
        "Принтер не печатает: задание висит в очереди",
        "hardware",
        "принтер, очередь печати, windows",
        PUBLIC,
        """Если документ отправлен на печать, но принтер молчит:

1. Откройте **Параметры → Bluetooth и устройства → Принтеры и сканеры**,
   выберите принтер и нажмите «Открыть очередь печати».
2. Удалите все задания (меню «Принтер → Очистить очередь печати»).
3. Проверьте, что принтер не в режиме «Работать автономно».
4. Отправьте документ на печать ещё раз.

Принтеры в бухгалтерии и на 3 этаже подключены через сервер печати
`print01` — если не печатают все сразу, сообщите нам, это сбой сервера.""",
    ),
    (
        "Как подключить сетевой принтер",
        "hardware",
        "принтер, подключение, сеть",
        PUBLIC,
        """Сетевые принтеры офиса опубликованы на сервере печати.

1. Нажмите **Win + R**, введите `\\\\print01` и нажмите Enter.
2. Найдите принтер по номеру кабинета (например, `ROOM-305-HP`).
3. Дважды щёлкните по нему — драйвер установится сам.

Права администратора не нужны. Если принтера нет в списке, создайте заявку
с номером кабинета.""",
    ),
    (
        "The printer prints blank or faded pages",
        "hardware",
        "printer, toner, print quality",
        PUBLIC,
        """Faded or blank pages almost always mean the toner cartridge is low or
its seal was not removed.

1. Open the front cover and take the cartridge out.
2. Rock it gently side to side five or six times to spread the toner.
3. Make sure the orange protective tape is removed from a new cartridge.
4. Put it back and print a test page.

Spare cartridges are in the supply room on each floor. If the pages stay
faded with a new cartridge, open a request with the printer's asset number.""",
    ),
    (
        "How to scan a document to e-mail",
        "hardware",
        "scanner, printer, mfp",
        PUBLIC,
        """The multifunction printers can send scans straight to your mailbox.

1. Put the document face down on the glass or face up in the feeder.
2. On the touch screen choose **Scan → Scan to E-mail**.
3. Press **Me** — your address is filled in after you tap your badge.
4. Press **Start**. The PDF arrives within a minute.

Scans larger than 20 MB are refused by the mail server: scan fewer pages
at a time or choose the lower resolution.""",
    ),
    (
        "Не подключается VPN: «Ошибка 809»",
        "access",
        "vpn, удалённая работа, ошибка 809",
        PUBLIC,
        """Ошибка 809 означает, что ваш интернет-провайдер или домашний роутер
блокирует VPN-соединение.

1. Перезагрузите домашний роутер.
2. Если вы подключены к гостевому Wi-Fi (гостиница, кафе) — попробуйте
   раздать интернет с телефона.
3. Запустите **FortiClient** и выберите профиль `Office-SSL` вместо `Office-IPsec`:
   SSL-профиль проходит почти через любые сети.

Если не помогло, позвоните на линию поддержки и назовите код ошибки.""",
    ),
    (
        "VPN connects but drops every hour",
        "access",
        "vpn, remote work, disconnect",
        PUBLIC,
        """Hourly disconnects come from the laptop's power saving turning off the
Wi-Fi adapter, or from an old VPN client.

1. Update FortiClient: **Help → Check for updates** (7.2 or later is needed).
2. In Windows open **Device Manager → Network adapters**, open your Wi-Fi
   adapter, tab **Power Management**, and clear *Allow the computer to turn
   off this device to save power*.
3. Reconnect the VPN.

If it still drops, note the times and open a request: we will check the
gateway logs.""",
    ),
    (
        "How to set up the VPN on a new laptop",
        "access",
        "vpn, forticlient, setup",
        PUBLIC,
        """1. Install **FortiClient VPN** from the Company Portal (Software Center).
2. Open it, choose **Configure VPN** and enter:
   - Connection name: `Office`
   - Remote gateway: `vpn.example.com`
   - Port: `443`
3. Save, enter your usual login and password and confirm the push
   notification in the authenticator app.

You need a registered authenticator app first: see *How to set up
two-factor authentication*.""",
    ),
    (
        "Перевыпуск сертификата VPN (для агентов)",
        "access",
        "vpn, сертификат, инструкция для агентов",
        INTERNAL,
        """Внутренняя процедура, клиенту не пересылать.

1. Проверьте личность звонящего: табельный номер и мобильный телефон из карточки.
2. В консоли **FortiAuthenticator → Certificates → Users** найдите пользователя,
   отзовите старый сертификат (причина *superseded*).
3. Нажмите **Create**, шаблон `VPN-User-2y`, отправьте ссылку на корпоративную почту.
4. Зарегистрируйте заявку с категорией «Доступ» и решите её на звонке.

Руководителям отделов сертификаты перевыпускает только вторая линия.""",
    ),
    (
        "Как сменить пароль, если он истёк",
        "access",
        "пароль, учётная запись, windows",
        PUBLIC,
        """Пароль действует 90 дней. За 14 дней до окончания Windows начинает
напоминать о смене.

- **В офисе**: нажмите Ctrl + Alt + Del → «Изменить пароль».
- **Из дома**: сначала подключите VPN, затем Ctrl + Alt + Del → «Изменить пароль».
- **Пароль уже истёк**: откройте портал `https://password.example.com`,
  подтвердите вход кодом из SMS и задайте новый пароль.

Требования к паролю: не меньше 12 символов, не повторять три последних пароля.""",
    ),
    (
        "Учётная запись заблокирована после неверных паролей",
        "access",
        "пароль, блокировка, учётная запись",
        PUBLIC,
        """После пяти неверных попыток учётная запись блокируется на 15 минут.

Частая причина — старый пароль, сохранённый в телефоне (почта, Wi-Fi).
Удалите учётную запись почты на телефоне и добавьте её заново с новым паролем.

Если нужно войти срочно, позвоните на линию поддержки: агент разблокирует
учётную запись после проверки личности.""",
    ),
    (
        "Разблокировка и сброс пароля в AD (для агентов)",
        "access",
        "пароль, active directory, инструкция для агентов",
        INTERNAL,
        """1. Проверьте личность: ФИО, табельный номер, кодовое слово из карточки.
2. Откройте **Active Directory Users and Computers**, найдите пользователя.
3. Вкладка *Account* → снимите флажок **Unlock account**.
4. Для сброса: правой кнопкой → **Reset Password**, поставьте флажок
   *User must change password at next logon*, временный пароль продиктуйте
   по телефону, не отправляйте по почте.
5. Решите заявку на звонке с этой статьёй.

Учётные записи администраторов сбрасывает только третья линия.""",
    ),
    (
        "Forgot your password? Reset it yourself",
        "access",
        "password, reset, self-service",
        PUBLIC,
        """You can reset your password at any time without calling us:

1. Open `https://password.example.com`.
2. Enter your work e-mail and the code sent to your mobile phone.
3. Choose a new password: at least 12 characters, not one of your last three.

The new password works at once for Windows, mail and the VPN. Remember to
update it on your phone's mail app, or the old one will lock your account.""",
    ),
    (
        "How to set up two-factor authentication",
        "access",
        "2fa, mfa, authenticator, security",
        PUBLIC,
        """1. Install **Microsoft Authenticator** on your phone.
2. On your computer open `https://mysignins.example.com/security-info`.
3. Choose **Add sign-in method → Authenticator app** and scan the QR code.
4. Approve the test notification.

Changing phones? Add the new phone before you reset the old one. Lost your
phone? Call support: we will remove the old device after checking who you are.""",
    ),
    (
        "1С: «Нарушение ссылочной целостности» при проведении документа",
        "defect",
        "1с, ошибка, проведение, ссылочная целостность",
        PUBLIC,
        """Сообщение значит, что документ ссылается на объект, помеченный на
удаление или уже удалённый (контрагент, номенклатура, договор).

1. Откройте документ и нажмите **Ещё → Проверить заполнение**.
2. Поля с красной подсветкой ссылаются на удалённые объекты — выберите
   актуальные значения.
3. Проведите документ ещё раз.

Если пустых ссылок нет, создайте заявку и приложите снимок экрана с текстом
ошибки целиком.""",
    ),
    (
        "1С: «Не удалось подключиться к серверу 1С:Предприятия»",
        "defect",
        "1с, подключение, сервер",
        PUBLIC,
        """1. Проверьте, что вы в офисной сети или подключён VPN.
2. Закройте 1С полностью и запустите заново.
3. В окне выбора базы нажмите **Изменить** и проверьте адрес сервера:
   `Srvr="1c-app01";Ref="buh"`.

Если ошибка у всех сотрудников отдела, это сбой сервера — сообщите нам,
мы уже будем знать о нём из мониторинга.""",
    ),
    (
        "1С: «Конфигурация базы данных не соответствует сохранённой конфигурации»",
        "defect",
        "1с, обновление, конфигурация",
        PUBLIC,
        """Сообщение появляется после обновления 1С, если сеанс был открыт во время
обновления.

Закройте все окна 1С и войдите снова. Если сообщение повторяется, ничего не
делайте в конфигураторе сами — создайте заявку, обновление завершит
администратор второй линии.""",
    ),
    (
        "1С работает медленно",
        "configuration",
        "1с, производительность, тормозит",
        PUBLIC,
        """Перед тем как создать заявку, проверьте:

1. Медленно ли открываются **все** формы или одна конкретная (отчёт, журнал).
2. Подключены ли вы через VPN: через домашний интернет тонкий клиент
   работает заметно медленнее, используйте веб-клиент.
3. Не запущен ли у вас тяжёлый отчёт в соседнем окне.

В заявке укажите, какая операция медленная, сколько секунд она длится и с
какого дня это началось.""",
    ),
    (
        "1С: блокировка таблиц при закрытии месяца (для агентов)",
        "defect",
        "1с, блокировка, закрытие месяца, инструкция для агентов",
        INTERNAL,
        """Во время закрытия месяца (регламентная операция бухгалтерии) пользователи
получают «Конфликт блокировок при выполнении транзакции».

- Не перезапускайте сервер 1С: закрытие начнётся заново.
- Посмотрите в консоли кластера, кто держит блокировку (сеанс с долгой транзакцией).
- Если это закрытие месяца — предложите звонящему повторить через 20–30 минут
  и решите заявку на звонке.
- Если блокировка дольше часа — эскалация на вторую линию, приоритет P2.""",
    ),
    (
        "Outlook does not send mail: messages stay in the Outbox",
        "configuration",
        "outlook, mail, outbox",
        PUBLIC,
        """1. Check the status bar: *Working offline* means the **Send/Receive →
   Work Offline** button is pressed — press it again.
2. Look for a very large attachment in the Outbox: the limit is 25 MB.
   Delete that message and share the file through OneDrive instead.
3. Restart Outlook.

If mail still does not leave, open a request and say whether webmail
(`https://mail.example.com`) sends.""",
    ),
    (
        "Mailbox is full: how to free space",
        "configuration",
        "mail, mailbox, quota, outlook",
        PUBLIC,
        """Your mailbox holds 50 GB. When it is full you can no longer send.

1. In Outlook open **File → Tools → Mailbox Cleanup** and sort by size.
2. Delete or archive the largest messages; empty **Deleted Items**.
3. Use **Archive** on the ribbon: it moves old mail to your online archive,
   which has its own 100 GB.

Need more space for work reasons? Open an enhancement request with your
manager's approval.""",
    ),
    (
        "Почта: письма попадают в спам",
        "configuration",
        "почта, спам, фильтр",
        PUBLIC,
        """Если письма партнёра приходят в папку «Нежелательная почта»:

1. Откройте письмо и нажмите **Не спам** — отправитель попадёт в список
   надёжных.
2. Для всего домена партнёра создайте заявку: добавим домен в белый список
   на почтовом шлюзе.

Никогда не открывайте вложения из писем, которые вы не ждали, даже от знакомых
адресов: при сомнениях перешлите письмо на `security@example.com`.""",
    ),
    (
        "Как подключить общий почтовый ящик",
        "configuration",
        "почта, общий ящик, outlook",
        PUBLIC,
        """Доступ к общему ящику (например, `buh@example.com`) выдаёт его владелец
через заявку.

После выдачи доступа ящик появится в Outlook сам в течение часа. Если не
появился: **Файл → Настройка учётных записей → Изменить → Другие настройки →
Дополнительно → Добавить** и введите адрес ящика.

Чтобы отправлять письма от имени ящика, выберите его в поле **От**.""",
    ),
    (
        "Wi-Fi in the office: how to connect",
        "access",
        "wifi, network, office",
        PUBLIC,
        """- **Staff**: network `Corp`, sign in with your work e-mail and password.
  The laptop remembers it.
- **Guests**: network `Guest`; the receptionist gives a code valid for one day.
- Phones: use `Corp` with your work account; accept the certificate
  `radius.example.com` when asked.

Slow Wi-Fi in a meeting room? Tell us the room number: we measure coverage
room by room.""",
    ),
    (
        "Teams: no sound or the microphone does not work",
        "configuration",
        "teams, audio, microphone, headset",
        PUBLIC,
        """1. In Teams click your picture → **Settings → Devices** and choose your
   headset for both speaker and microphone.
2. Press **Make a test call**.
3. In Windows **Settings → Privacy → Microphone**, allow apps to use it.
4. Plug a USB headset directly into the laptop, not into a hub.

Still nothing? Restart Teams (quit from the tray icon, not just the window).""",
    ),
    (
        "Второй монитор не показывает изображение",
        "hardware",
        "монитор, экран, док-станция",
        PUBLIC,
        """1. Проверьте, что монитор включён и выбран правильный вход (кнопка
   **Input/Source**).
2. Нажмите **Win + P** и выберите «Расширить».
3. Если ноутбук подключён через док-станцию, переподключите кабель USB-C и
   подождите 10 секунд.
4. Попробуйте другой кабель HDMI/DisplayPort — они часто ломаются у разъёма.

Если монитор мигает индикатором и пишет «Нет сигнала» с любым кабелем,
создайте заявку с инвентарным номером монитора.""",
    ),
    (
        "Запрос доступа к общей папке на сервере",
        "access",
        "доступ, общая папка, файловый сервер",
        PUBLIC,
        """Доступ к папкам на `\\\\files01` выдаётся по согласованию с владельцем папки.

1. Создайте заявку категории «Доступ и пароли».
2. Укажите полный путь к папке и нужные права: **чтение** или **изменение**.
3. Укажите, кто из руководителей согласовал доступ.

После выдачи прав выйдите из Windows и войдите снова — права применяются при
входе.""",
    ),
    (
        "New employee: what to request on the first day",
        "other",
        "onboarding, new employee, accounts",
        PUBLIC,
        """Your manager requests your accounts before you arrive. On the first day:

1. Collect your laptop and badge at reception.
2. Sign in with the temporary password from the welcome letter and change it.
3. Set up two-factor authentication and the VPN (see those articles).
4. Ask your manager which shared folders and mailboxes you need: each one is
   a separate request.

Questions? Call line 1 at extension 100 — we are there from 8:00 to 20:00.""",
    ),
    (
        "Escalating 1C defects to line 3 (for agents)",
        "defect",
        "1c, escalation, line 3, for agents",
        INTERNAL,
        """Escalate a 1C problem to line 3 (developers) only when:

- it reproduces on a copy of the database, and
- line 2 confirmed it is not a configuration or rights problem.

Attach: the exact error text, the steps, the database name, the time it
happened and the user's login. Category **Errors and defects**, priority by
impact: P1 if payroll or shipping stopped, P2 if a department is blocked.""",
    ),
    (
        "Phone etiquette on line 1 (for agents)",
        "other",
        "line 1, phone, script, for agents",
        INTERNAL,
        """1. Greet, give your name, ask for the caller's name and number.
2. Find the caller in the console before you listen to the problem — then
   you can register while they speak.
3. Search the knowledge base while the caller explains; read the steps aloud.
4. Resolved? Press **Resolved with this article**: the caller gets the steps
   by e-mail and the call counts as a first-contact resolution.
5. Not resolved in 10 minutes? Register, set the priority, tell the caller
   the ticket number and who will call back.""",
    ),
    (
        "Ноутбук не заряжается",
        "hardware",
        "ноутбук, зарядка, батарея",
        PUBLIC,
        """1. Проверьте индикатор на блоке питания и разъём: в нём не должно быть пыли.
2. Попробуйте другую розетку и другой блок питания той же мощности.
3. Выключите ноутбук, отключите питание, зажмите кнопку включения на 30 секунд.

Если батарея вздулась (корпус выгнут, тачпад приподнят), сразу прекратите
пользоваться ноутбуком и создайте заявку с приоритетом «высокий».""",
    ),
)

# (author e-mail, title, body, line or None for personal)
DEMO_CANNED = (
    (
        "line1@example.com",
        "Приветствие",
        "Здравствуйте, {requester_name}!\n\nСпасибо за обращение {ticket_number}. ",
        None,
    ),
    (
        "line1@example.com",
        "Запросить снимок экрана",
        "{requester_name}, пришлите, пожалуйста, снимок экрана с текстом ошибки "
        "целиком — так мы быстрее найдём причину.\n\n{agent_name}, служба поддержки",
        1,
    ),
    (
        "line1@example.com",
        "Решено — закрываем",
        "{requester_name}, рады, что проблема решена! Если она повторится, просто "
        "ответьте на это письмо, заявка {ticket_number} откроется снова.\n\n"
        "{agent_name}",
        1,
    ),
    (
        "line2@example.com",
        "Escalated to development",
        "Hello {requester_name},\n\nwe have reproduced the problem in "
        "{ticket_number} and passed it to our developers. We will write as soon "
        "as a fix is scheduled.\n\n{agent_name}, line 2",
        2,
    ),
)


def load_demo_articles(now: datetime) -> None:
    """Create the demo articles and canned responses that are missing."""
    author = accounts.find_user_by_email("line2@example.com")
    if author is None:
        return  # the core's demo users come first
    existing = set(db.session.scalars(sa.select(Article.title)))
    for title, category, tags, visibility, body in DEMO_ARTICLES:
        if title in existing:
            continue
        article_service.create_article(
            {
                "title": title,
                "body": body,
                "category": category,
                "tags": [t.strip() for t in tags.split(",")],
                "visibility": visibility,
                "status": ArticleStatus.PUBLISHED,
            },
            actor=author,
            now=now,
        )
    _load_demo_canned(now)


def _load_demo_canned(now: datetime) -> None:
    for email, title, body, line in DEMO_CANNED:
        user = accounts.find_user_by_email(email)
        if user is None:
            continue
        exists = db.session.scalar(
            sa.select(CannedResponse.id).where(
                CannedResponse.created_by_id == user.id, CannedResponse.title == title
            )
        )
        if exists is None:
            canned_service.create_canned(
                {"title": title, "body": body, "line": line}, actor=user, now=now
            )
