#pragma once
// A doubly linked list whose links live inside the elements: no allocation per element, O(1)
// removal from anywhere. An element type derives from list_node<Tag> once per list it can be in.
// Thread safety: none; a list belongs to one worker.

#include <cstddef>

namespace polyport::detail {

template <class Tag>
struct list_node {
  list_node* prev = nullptr;
  list_node* next = nullptr;
  bool is_linked() const { return prev != nullptr; }
};

template <class T, class Tag>
class intrusive_list {
 public:
  using node = list_node<Tag>;

  intrusive_list() { head_.prev = head_.next = &head_; }
  intrusive_list(const intrusive_list&) = delete;
  intrusive_list& operator=(const intrusive_list&) = delete;

  bool empty() const { return head_.next == &head_; }
  std::size_t size() const { return size_; }

  T* front() { return empty() ? nullptr : static_cast<T*>(head_.next); }

  void push_back(T& item) {
    node& n = item;
    n.prev = head_.prev;
    n.next = &head_;
    head_.prev->next = &n;
    head_.prev = &n;
    ++size_;
  }

  void remove(T& item) {
    node& n = item;
    n.prev->next = n.next;
    n.next->prev = n.prev;
    n.prev = n.next = nullptr;
    --size_;
  }

  // Visits every element; `visit` may remove the element it is given (and no other).
  template <class Visit>
  void for_each(Visit visit) {
    for (node* n = head_.next; n != &head_;) {
      node* next = n->next;
      visit(*static_cast<T*>(n));
      n = next;
    }
  }

 private:
  node head_;
  std::size_t size_ = 0;
};

}  // namespace polyport::detail
