//! The mouse: the wheel and clicks on the help and the home list.

use super::*;

fn mouse(kind: crossterm::event::MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn the_wheel_scrolls_the_help_and_a_click_closes_it_leaving_the_screen_below_alone() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let (mut app, _rx) = app();
    screen(&app, 80, 24);
    app.update(key('?'));
    app.update(mouse(MouseEventKind::ScrollDown, 40, 12));
    assert_eq!(app.home.selected, 0, "the list under the help stays");
    assert_eq!(app.help, Some(1), "the wheel scrolls the help");
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), 5, 5));
    assert_eq!(app.help, None, "a click closes the help");
    assert_eq!(app.home.selected, 0, "and selects nothing under it");
}

#[test]
fn a_home_click_selects_only_on_the_lines_of_the_list() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let (mut app, _rx) = app();
    screen(&app, 80, 24);
    let click = |c, r| mouse(MouseEventKind::Down(MouseButton::Left), c, r);
    app.update(click(5, 3));
    assert_eq!(app.home.selected, 2, "the third line");
    // The About pane, the key bar and the list's bottom border are not lines of the list.
    app.update(click(70, 5));
    assert_eq!(app.home.selected, 2, "a click on the About pane");
    app.update(click(5, 23));
    assert_eq!(app.home.selected, 2, "a click on the key bar");
    app.update(click(5, 22));
    assert_eq!(app.home.selected, 2, "a click on the bottom border");
}

#[test]
fn a_home_click_on_a_scrolled_list_selects_the_line_under_it() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let (mut app, _rx) = app();
    let n = app.home.course.len() + 2;
    // 10 rows: 7 list lines between the borders; the last line selected scrolls the list.
    app.update(code(KeyCode::End));
    assert_eq!(app.home.selected, n - 1);
    screen(&app, 80, 10);
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), 5, 7));
    assert_eq!(
        app.home.selected,
        n - 1,
        "the last line shown is the last line"
    );
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), 5, 1));
    // The last two lessons wrap their long titles onto a second line: with the two entries
    // after them that is 6 lines, and the lesson before (two lines too) does not fit in 7.
    assert_eq!(app.home.selected, n - 4, "the first item shown");
}
