#pragma once
// A sorted sequence in one contiguous buffer with free room at both ends: inserting or erasing
// shifts whichever side of the position holds fewer elements. A plain sorted vector shifts
// everything after the position, which is the whole array when new elements sort near its front
// (the memory manager's eviction order under next-use ranks: a tensor just brought in is used
// next, so it ranks first).

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

namespace stems {

// Elements of type T kept in the order of Compare (std::less: ascending); equal elements are
// not expected (inserting one puts it before its equals). Pointers stay valid until the next
// insertion or erasure (either may shift the elements on either side).
template <class T, class Compare>
class TwoEndedSorted {
 public:
  using const_reverse_iterator = std::reverse_iterator<const T*>;

  T* begin() { return buf_.data() + head_; }
  T* end() { return buf_.data() + tail_; }
  const T* begin() const { return buf_.data() + head_; }
  const T* end() const { return buf_.data() + tail_; }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }
  std::size_t size() const { return tail_ - head_; }
  bool empty() const { return head_ == tail_; }
  const T& operator[](std::size_t i) const { return buf_[head_ + i]; }

  // The first element not ordered before v.
  T* lower_bound(const T& v) { return std::lower_bound(begin(), end(), v, Compare{}); }
  const T* lower_bound(const T& v) const { return std::lower_bound(begin(), end(), v, Compare{}); }
  // The same within [first, last), a range of this sequence.
  static T* lower_bound(T* first, T* last, const T& v) {
    return std::lower_bound(first, last, v, Compare{});
  }

  void insert(T v) {  // by value: v may be an element of this sequence (recentre moves them)
    std::size_t i = static_cast<std::size_t>(lower_bound(v) - begin());
    const bool left = 2 * i < size();
    if (left ? head_ == 0 : tail_ == buf_.size()) recentre();
    if (left) {
      T* first = begin();
      std::move(first, first + i, first - 1);
      --head_;
    } else {
      T* at = begin() + i;
      std::move_backward(at, end(), end() + 1);
      ++tail_;
    }
    buf_[head_ + i] = v;
  }

  // Erases the element at `at` (a pointer into this sequence).
  void erase(T* at) {
    const std::size_t i = static_cast<std::size_t>(at - begin());
    if (2 * i < size()) {
      std::move_backward(begin(), at, at + 1);
      ++head_;
    } else {
      std::move(at + 1, end(), at);
      --tail_;
    }
  }

  void clear() { head_ = tail_ = buf_.size() / 2; }

 private:
  // Moves the elements to the middle of a buffer with at least size() + 8 free slots on each
  // side (amortised: at least that many insertions on one side come before the next move).
  void recentre() {
    const std::size_t n = size();
    const std::size_t slack = n + 8;
    if (buf_.size() < n + 2 * slack) {
      std::vector<T> grown(n + 2 * slack);
      std::move(begin(), end(), grown.begin() + static_cast<std::ptrdiff_t>(slack));
      buf_.swap(grown);
    } else {
      const std::size_t from = (buf_.size() - n) / 2;
      T* dst = buf_.data() + from;
      if (dst < begin()) {
        std::move(begin(), end(), dst);
      } else {
        std::move_backward(begin(), end(), dst + n);
      }
      head_ = from;
      tail_ = from + n;
      return;
    }
    head_ = slack;
    tail_ = slack + n;
  }

  std::vector<T> buf_;
  std::size_t head_ = 0, tail_ = 0;
};

}  // namespace stems
