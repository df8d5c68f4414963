using Xunit;

namespace Calc.Checks;

public class CalculatorTests
{
    [Fact]
    public void Adds() => Assert.Equal(3, Calculator.Add(1, 2));

    [Fact]
    public void DividesRoundingUp()
    {
        Assert.Equal(4, Calculator.Divide(7, 2));
    }

    [Fact]
    public void DivideByZeroThrows() => Assert.Throws<DivideByZeroException>(() => Calculator.Divide(1, 0));

    [Fact(Skip = "rounding modes are not implemented")]
    public void RoundsHalfEven() { }
}
